import ArgumentParser
import BoxerSupport
import Foundation
import Machines

struct Upload: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a file or folder from the host into a running machine.",
        discussion: """
            As `vagrant upload SOURCE [DESTINATION] [NAME]`: the destination defaults to the source's \
            name in the login user's home; a second argument that names a running machine is the \
            machine. --temporary sends it to a new temporary path (printed); --compress packs it \
            (tgz, or --compression-type zip) and unpacks it in the guest.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The file or folder on the host.")
    var source: String

    @Argument(help: "Where in the guest, then the machine; or only the machine.")
    var rest: [String] = []

    @Flag(name: .shortAndLong, help: "Upload to a temporary path in the guest.")
    var temporary = false

    @Flag(name: .shortAndLong, help: "Pack the source before sending it (tgz unless --compression-type).")
    var compress = false

    @Option(name: [.customShort("C"), .long], help: "tgz or zip (implies --compress).")
    var compressionType: String?

    func run() async throws {
        guard rest.count <= 2 else { throw ValidationError("give at most a destination and a machine after the source") }
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        var destination: String?
        var name: String?
        if rest.count == 2 {
            destination = rest[0]
            name = rest[1]
        } else if let second = rest.first {
            // As Vagrant: a second word that names an active machine is the machine.
            let active = try await activeMachineNames(environment)
            if active.contains(second) { name = second } else { destination = second }
        }
        let machine = try targetMachine(name, in: environment)
        let compression = compressionType ?? (compress ? "tgz" : nil)
        let sent = try await environment.upload(
            machine, source: source.replacingOccurrences(of: "[\"']$", with: "", options: .regularExpression), destination: destination,
            options: .init(temporary: temporary, compression: compression))
        output.targeting(nil).say("Upload has completed successfully!\n\n  Source: \(source)\n  Destination: \(sent)")
    }

    private func activeMachineNames(_ environment: MachineEnvironment) async throws -> Set<String> {
        var names: Set<String> = []
        for machine in environment.environment.machines where try await environment.state(of: machine).state != .notCreated {
            names.insert(machine.name)
        }
        return names
    }
}
