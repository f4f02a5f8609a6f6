import ArgumentParser
import BoxStore
import Foundation

struct BoxList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List installed boxes.",
        discussion: "One line per box, provider, version and architecture, as `vagrant box list` prints them."
    )

    @Flag(name: [.short, .customLong("box-info")], help: "Also show the box's info.json.")
    var boxInfo = false

    func run() async throws {
        let boxes = try openStore().list()
        guard !boxes.isEmpty else {
            print("There are no installed boxes! Use `boxer box add` to add some.")
            return
        }
        let width = boxes.map(\.name.count).max() ?? 0
        for box in boxes {
            print(box.name.padded(to: width) + " " + box.summary)
            if boxInfo {
                for line in Self.infoLines(box) { print(line) }
            }
        }
    }

    /// `  - key: value` for each entry of the box's info.json, as Vagrant prints them.
    static func infoLines(_ box: InstalledBox) -> [String] {
        guard let data = FileManager.default.contents(atPath: box.directory.appendingPathComponent("info.json").path),
              let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return info.keys.sorted().map { "  - \($0): \(info[$0].map { "\($0)" } ?? "")" }
    }
}
