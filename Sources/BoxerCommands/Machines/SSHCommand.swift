import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

struct SSHCommand: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Log in to a running machine over SSH.",
        discussion: """
            Runs the OpenSSH client with the machine's address, user and key. With -c, runs the \
            command and exits with its status. Arguments after -- go to ssh.
            """
    )

    @OptionGroup var global: GlobalOptions

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
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        let machine = try targetMachine(name, in: environment)
        let (communicator, _) = try await environment.communicator(for: machine)
        let interactive = command == nil
        var arguments = [Communicator.ssh] + communicator.sshArguments(tty: interactive || tty, batch: !interactive, extra: extra)
        if let command { arguments.append(command) }
        // exec: the terminal, signals and the exit status are ssh's own, as with `vagrant ssh`.
        let argv = arguments.map { strdup($0) } + [nil]
        execv(Communicator.ssh, argv)
        throw CommandError.sshMissing(program: Communicator.ssh, reason: String(cString: strerror(errno)))
    }
}
