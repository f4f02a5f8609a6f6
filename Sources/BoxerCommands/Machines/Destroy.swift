import ArgumentParser
import Foundation
import Machines

struct Destroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop and delete the machines of this environment.",
        discussion: "Removes each machine's disk, seed, sockets, folder and machine index entry. Asks first unless --force; without a terminal to ask on, --force is required."
    )

    @Argument(help: "Machines to destroy (default: all).")
    var names: [String] = []

    @Flag(name: .shortAndLong, help: "Destroy without asking.")
    var force = false

    @Flag(name: .shortAndLong, help: "Shut the machines down gracefully before destroying them.")
    var graceful = false

    func run() async throws {
        let environment = try openMachineEnvironment()
        if !force {
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandError("boxer destroy asks before deleting machines, and there is no terminal to ask on. Run it with --force.")
            }
            let targets = names.isEmpty ? environment.environment.machines.map(\.name) : names
            print("Destroy \(targets.joined(separator: ", "))? [y/N] ", terminator: "")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                print("Nothing destroyed.")
                return
            }
        }
        try await withEnvironmentLock(environment) {
            if graceful { try await environment.halt(names, force: false) }
            try await environment.destroy(names)
        }
    }
}
