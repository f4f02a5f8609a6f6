import ArgumentParser
import Foundation
import Machines
import Vagrantfile

/// The machine a single-machine command targets: the one named, the only one, or the primary.
func targetMachine(_ name: String?, in environment: MachineEnvironment) throws -> Machine {
    if let name { return try environment.machines([name])[0] }
    let machines = environment.environment.machines
    if machines.count == 1, let only = machines.first { return only }
    if let primary = environment.environment.primaryMachine { return primary }
    throw CommandError("This command needs a machine name in a multi-machine environment. Machines: \(machines.map(\.name).joined(separator: ", ")).")
}

struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Log in to a running machine over SSH.",
        discussion: """
            Runs the OpenSSH client with the machine's address, user and key. With -c, runs the \
            command and exits with its status. Arguments after -- go to ssh.
            """
    )

    @Argument(help: "The machine (default: the only or primary one).")
    var name: String?

    @Option(name: .shortAndLong, help: "Run this command instead of a login shell.")
    var command: String?

    @Flag(name: .shortAndLong, help: "Do not authenticate with the machine's key (accepted for Vagrant compatibility; ignored).")
    var plain = false

    @Flag(name: .shortAndLong, help: "Allocate a terminal even with -c.")
    var tty = false

    @Argument(parsing: .postTerminator, help: "Extra ssh arguments.")
    var extra: [String] = []

    func run() async throws {
        let environment = try openMachineEnvironment()
        let machine = try targetMachine(name, in: environment)
        let (communicator, _) = try await environment.communicator(for: machine)
        let interactive = command == nil
        var arguments = [Communicator.ssh] + communicator.sshArguments(tty: interactive || tty, batch: !interactive, extra: extra)
        if let command { arguments.append(command) }
        // exec: the terminal, signals and the exit status are ssh's own, as with `vagrant ssh`.
        let argv = arguments.map { strdup($0) } + [nil]
        execv(Communicator.ssh, argv)
        throw CommandError("cannot run \(Communicator.ssh): \(String(cString: strerror(errno))) (Debian: apt-get install openssh-client)")
    }
}

struct SSHConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh-config",
        abstract: "Print OpenSSH configuration for the running machines.",
        discussion: "Output for ~/.ssh/config: one Host block per machine, as `vagrant ssh-config` prints it."
    )

    @Argument(help: "Machines (default: all running).")
    var names: [String] = []

    @Option(help: "The Host name to print (single machine).")
    var host: String?

    @Flag(help: ArgumentHelp("Use each machine's internal network (NIC2) address and port 22.", discussion: "For SSH from another machine of the environment, such as an Ansible controller; the host itself cannot reach 192.168.X addresses."))
    var `internal` = false

    func run() async throws {
        let environment = try openMachineEnvironment()
        var printed = 0
        let selected = try environment.machines(names)
        let report = `internal` ? environment.networkReport(selected) : nil
        if `internal`, report == nil {
            throw CommandError("This environment has no internal network yet. Run `boxer up` first.")
        }
        for machine in selected {
            guard let (communicator, _) = try? await environment.communicator(for: machine) else { continue }
            var hostName = communicator.endpoint.host
            var port = communicator.endpoint.port
            if let report {
                guard let address = report.addresses[machine.name]?.address else {
                    FileHandle.standardError.write(Data("warning: machine '\(machine.name)' has no internal network address yet (its guest has not asked for one by DHCP); skipped.\n".utf8))
                    continue
                }
                hostName = address
                port = 22
            }
            print("Host \(host ?? machine.name)")
            print("  HostName \(hostName)")
            print("  User \(communicator.user)")
            print("  Port \(port)")
            for (key, value) in communicator.options where key != "ConnectTimeout" && key != "ServerAliveInterval" && key != "ServerAliveCountMax" {
                print("  \(key) \(value)")
            }
            for identity in communicator.identities { print("  IdentityFile \(identity)") }
            if communicator.forwardAgent { print("  ForwardAgent yes") }
            print("")
            printed += 1
        }
        guard printed > 0 else {
            throw CommandError("No machine of this environment is running. Run `boxer up` first.")
        }
    }
}

struct Port: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a machine's forwarded ports.",
        discussion: "Prints guest => host for each port the running machine forwards (after auto_correct)."
    )

    @Argument(help: "The machine (default: the only or primary one).")
    var name: String?

    @Option(help: "Print only the host port that reaches this guest port.")
    var guest: Int?

    func run() async throws {
        let environment = try openMachineEnvironment()
        let machine = try targetMachine(name, in: environment)
        let (provider, context) = try environment.context(for: machine)
        guard await provider.state(context) == .running else {
            throw CommandError("The machine '\(machine.name)' is not running, so it forwards no ports.")
        }
        let forwards = provider.forwardedPorts(context)
        if let guest {
            guard let forward = forwards.first(where: { $0.guest == guest }) else {
                throw CommandError("The machine '\(machine.name)' forwards nothing to guest port \(guest).")
            }
            print(forward.host)
            return
        }
        print("The forwarded ports for the machine are listed below.\n")
        for forward in forwards {
            print("    \(String(forward.guest).padded(to: 5)) (guest) => \(forward.host) (host)")
        }
    }
}
