import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

struct Port: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a machine's forwarded ports.",
        discussion: "Prints guest => host for each port the running machine forwards (after auto_correct)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The machine (default: the only or primary one).")
    var name: String?

    @Option(help: "Print only the host port that reaches this guest port.")
    var guest: Int?

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        let machine = try targetMachine(name, in: environment)
        let (provider, context) = try environment.context(for: machine)
        guard await provider.state(context) == .running else {
            throw CommandError.notRunning(machine: machine.name)
        }
        let forwards = provider.forwardedPorts(context)
        if let guest {
            guard let forward = forwards.first(where: { $0.guest == guest }) else {
                throw CommandError.noForward(machine: machine.name, guest: guest)
            }
            output.say(String(forward.host))
            return
        }
        output.say("The forwarded ports for the machine are listed below.\n")
        for forward in forwards {
            output.say("    \(String(forward.guest).padded(to: 5)) (guest) => \(forward.host) (host)")
            output.targeting(machine.name).record("forwarded_port", String(forward.guest), String(forward.host))
        }
    }
}
