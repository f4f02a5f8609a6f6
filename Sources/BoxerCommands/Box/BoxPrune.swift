import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation

struct BoxPrune: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old versions of installed boxes.",
        discussion: "Keeps the newest version of each box, provider and architecture and removes the rest."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only prune this box.")
    var name: String?

    @Option(help: "Only prune boxes for this provider.")
    var provider: String?

    @Flag(name: [.short, .customLong("dry-run")], help: "Only print what would be removed.")
    var dryRun = false

    @Flag(name: .shortAndLong, help: "Remove without asking.")
    var force = false

    func run() async throws {
        let output = global.makeOutput()
        let store = try openStore()
        let old = store.boxesToPrune(name: name, provider: provider)
        guard !old.isEmpty else {
            output.say("No old versions of boxes to remove.")
            return
        }
        for box in old {
            output.say(
                "\(dryRun ? "Would remove" : "Removing") box '\(box.name)' (v\(box.version)) with provider '\(box.provider)'\(box.architecture.map { " (\($0))" } ?? "")..."
            )
            if !dryRun { try await removeBox(box, from: store, output: output) }
        }
    }
}
