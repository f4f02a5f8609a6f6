import ArgumentParser
import BoxerSupport
import Networks
import Vagrantfile

struct NetworkAllocate: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-allocate",
        abstract: "Give an environment its internal network and print it (X for 192.168.X.0/24).",
        discussion: """
            What `boxer up` does for an environment's first machine, without starting anything: \
            the registry in $BOXER_HOME/data/networks.json gives the project folder the network it \
            has, else the --require one or the lowest free 192.168.X.0/24. For scripts and for \
            testing the registry across processes.
            """,
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The project folder.")
    var project: String

    @Option(help: "The network the environment's static addresses need: a.b.c.0/24, or X for 192.168.X.0/24.")
    var require: String?

    func validate() throws {
        if let require, EnvironmentSubnet(require)?.isUsable != true {
            throw ValidationError("--require: \(require) is not a network boxer can use (a.b.c.0/24 or X in 1...254)")
        }
    }

    func run() throws {
        let output = global.makeOutput()
        let home = VagrantfileLoader.forProject().home
        let subnet = try SubnetRegistry(home: home).allocate(for: project, requiring: require.flatMap(EnvironmentSubnet.init))
        output.text(subnet.standardX.map(String.init) ?? subnet.description)
    }
}
