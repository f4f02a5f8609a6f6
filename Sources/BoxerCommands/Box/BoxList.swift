import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

struct BoxList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List installed boxes.",
        discussion: "One line per box, provider, version and architecture, as `vagrant box list` prints them."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.short, .customLong("box-info")], help: "Also show the box's info.json.")
    var boxInfo = false

    func run() async throws {
        let output = global.makeOutput()
        let boxes = try openStore().list()
        guard !boxes.isEmpty else {
            // Vagrant's words on standard output, and a `ui,warn` record for scripts.
            let none = "There are no installed boxes! Use `boxer box add` to add some."
            if output.isMachineReadable { output.warn(none) } else { output.say(none) }
            return
        }
        let width = boxes.map(\.name.count).max() ?? 0
        for box in boxes {
            // Vagrant's line, then its records for the box (and boxer's architecture).
            output.say(box.name.padded(to: width) + " " + box.summary)
            output.record("box-name", box.name)
            output.record("box-provider", box.provider)
            output.record("box-version", box.version)
            if let architecture = box.architecture { output.record("box-architecture", architecture) }
            for (key, value) in Self.info(box) {
                output.record("box-info", key, value)
                if boxInfo { output.say("  - \(key): \(value)") }
            }
        }
    }

    /// The entries of the box's info.json, sorted by key.
    static func info(_ box: InstalledBox) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: box.directory.appendingPathComponent("info.json").path),
            let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return info.keys.sorted().map { ($0, info[$0].map { "\($0)" } ?? "") }
    }
}
