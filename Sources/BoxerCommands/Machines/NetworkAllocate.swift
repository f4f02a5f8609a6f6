import ArgumentParser
import BoxerSupport
import Networks
import Vagrantfile

struct NetworkAllocate: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-allocate",
        abstract: "Give an environment its internal network 192.168.X.0/24 and print X.",
        discussion: """
            What `boxer up` does for an environment's first machine, without starting anything: \
            the registry in $BOXER_HOME/data/networks.json gives the project folder the X it has, \
            else --require X or the lowest free one. For scripts and for testing the registry \
            across processes.
            """,
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The project folder.")
    var project: String

    @Option(help: "The X the environment's static addresses need.")
    var require: Int?

    func run() throws {
        let output = global.makeOutput()
        let home = VagrantfileLoader.forProject().home
        output.text(String(try SubnetRegistry(home: home).allocate(for: project, requiring: require)))
    }
}
