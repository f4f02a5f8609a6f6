import ArgumentParser
import BoxStore
import Foundation

struct BoxRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an installed box.",
        discussion: """
            With several versions or providers installed, say which with --box-version, --provider and \
            --architecture, or pass --all. Folders left empty are removed, as Vagrant does.
            """
    )

    @Argument(help: "Name of the box.")
    var name: String

    @Option(name: .customLong("box-version"), help: "Version to remove.")
    var boxVersion: String?

    @Option(help: "Provider to remove.")
    var provider: String?

    @Option(help: "Architecture to remove.")
    var architecture: String?

    @Flag(help: "Remove every matching version, provider and architecture.")
    var all = false

    @Flag(name: .shortAndLong, help: "Remove without asking, even if machines use the box.")
    var force = false

    func run() async throws {
        let store = try openStore()
        for box in try store.boxesToRemove(name: name, version: boxVersion, provider: provider, architecture: architecture, all: all) {
            print("Removing box '\(box.name)' (v\(box.version)) with provider '\(box.provider)'\(box.architecture.map { " (\($0))" } ?? "")...")
            try store.remove(box)
        }
    }
}
