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
        // `config.ssh.forward_x11` and `extra_args` apply to `ssh` as in Vagrant (an args
        // string is one argument, as Vagrant's Array() makes it).
        var configured: [String] = []
        if machine.ssh.values["forward_x11"]?.bool == true { configured += ["-o", "ForwardX11=yes", "-o", "ForwardX11Trusted=yes"] }
        switch machine.ssh.values["extra_args"] {
        case .array(let items)?: configured += items.compactMap(\.string)
        case .string(let single)?: configured.append(single)
        default: break
        }
        var arguments =
            [Communicator.ssh] + communicator.sshArguments(tty: interactive || tty, batch: !interactive, extra: configured + extra)
        if let command { arguments.append(command) }
        // Vagrant's actions: `ssh` for a login (its after triggers never run: ssh replaces the
        // process), `ssh_run` for a command.
        let action = interactive ? "ssh" : "ssh_run"
        try await environment.fireTriggers(.before, action: action, machine: machine)
        let argv = arguments.map { strdup($0) } + [nil]
        if !interactive && environment.hasTriggers(.after, action: action, machine: machine) {
            // A child, so the after triggers run once it ends; its status is passed on.
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, Communicator.ssh, nil, nil, argv, environ)
            guard spawned == 0 else {
                throw CommandError.sshMissing(program: Communicator.ssh, reason: String(cString: strerror(spawned)))
            }
            let child = pid
            let status = await onDedicatedThread { () -> Int32 in
                var raw: Int32 = 0
                while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
                return raw
            }.get()
            try await environment.fireTriggers(.after, action: action, machine: machine)
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            if code != 0 { throw ExitCode(code) }
            return
        }
        // exec: the terminal, signals and the exit status are ssh's own, as with `vagrant ssh`.
        execv(Communicator.ssh, argv)
        throw CommandError.sshMissing(program: Communicator.ssh, reason: String(cString: strerror(errno)))
    }
}
