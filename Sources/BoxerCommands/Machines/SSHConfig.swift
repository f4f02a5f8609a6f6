import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

struct SSHConfig: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh-config",
        abstract: "Print OpenSSH configuration for the running machines.",
        discussion: "Output for ~/.ssh/config: one Host block per machine, as `vagrant ssh-config` prints it."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all running).")
    var names: [String] = []

    @Option(help: "The Host name to print (single machine).")
    var host: String?

    @Flag(
        help: ArgumentHelp(
            "Use each machine's internal network (NIC2) address and port 22.",
            discussion:
                "For SSH from another machine of the environment, such as an Ansible controller; the host itself cannot reach 192.168.X addresses."
        ))
    var `internal` = false

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        var printed = 0
        let selected = try environment.machines(names)
        let report = `internal` ? environment.networkReport(selected) : nil
        if `internal`, report == nil {
            throw CommandError.noInternalNetwork
        }
        for machine in selected {
            guard let (communicator, _) = try? await environment.communicator(for: machine) else { continue }
            var hostName = communicator.endpoint.host
            var port = communicator.endpoint.port
            if let report {
                guard let address = report.addresses[machine.name]?.address else {
                    output.warn(
                        "machine '\(machine.name)' has no internal network address yet (its guest has not asked for one by DHCP); skipped.")
                    continue
                }
                hostName = address
                port = 22
            }
            var lines = ["Host \(host ?? machine.name)", "  HostName \(hostName)", "  User \(communicator.user)", "  Port \(port)"]
            for (key, value) in communicator.options
            where key != "ConnectTimeout" && key != "ServerAliveInterval" && key != "ServerAliveCountMax" {
                lines.append("  \(key) \(value)")
            }
            lines += communicator.identities.map { "  IdentityFile \($0)" }
            if communicator.forwardAgent { lines.append("  ForwardAgent yes") }
            if machine.ssh.values["forward_x11"]?.bool == true { lines.append("  ForwardX11 yes") }
            let stanza = lines.joined(separator: "\n") + "\n"
            // Vagrant's record holds the stanza; on a terminal it is printed with a blank line after.
            output.targeting(machine.name).record("ssh-config", stanza)
            if !output.isMachineReadable { output.text(stanza) }
            printed += 1
        }
        guard printed > 0 else {
            throw CommandError.noMachineRunning
        }
    }
}
