import ArgumentParser
import BoxerSupport
import Machines

struct Rsync: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the rsync synced folders to running machines again.",
        discussion: "As `vagrant rsync`: every folder of type rsync, with its rsync__args, rsync__exclude and rsync__chown."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines (default: all).")
    var names: [String] = []

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output)
        try await environment.rsync(names)
    }
}
