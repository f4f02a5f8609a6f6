import ArgumentParser
import BoxStore
import BoxerSupport
import Foundation
import Machines

struct BoxRemove: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an installed box.",
        discussion: """
            With several versions or providers installed, say which with --box-version, --provider and \
            --architecture, or pass --all. Folders left empty are removed, as Vagrant does. A libvirt \
            box is also removed from every libvirt host boxer uploaded it to (its volume in the host's \
            storage pool).
            """
    )

    @OptionGroup var global: GlobalOptions

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
        let output = global.makeOutput()
        let store = try openStore()
        let boxes = try store.boxesToRemove(name: name, version: boxVersion, provider: provider, architecture: architecture, all: all)
        // Machines made from a box cannot boot without it (their disks are linked clones of its
        // image): Vagrant asks first, and without a terminal refuses unless --force.
        let users = MachineIndex(home: store.home).users(of: boxes.map { ($0.name, $0.version, $0.provider) })
        if !users.isEmpty && !force {
            let refusal = CommandError.boxInUse(name: name, users: users.map { ($0.name, String($0.uuid), $0.project) })
            guard isatty(STDIN_FILENO) == 1, !output.isMachineReadable else { throw refusal }
            output.ask(refusal.description + "\nRemove it anyway? [y/N] ")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                output.say("Nothing removed.")
                return
            }
        }
        for box in boxes {
            output.say(
                "Removing box '\(box.name)' (v\(box.version)) with provider '\(box.provider)'\(box.architecture.map { " (\($0))" } ?? "")..."
            )
            try await removeBox(box, from: store, output: output)
        }
    }
}
