import ArgumentParser
import BoxerSupport

/// Flags every command takes. `--machine-readable` may also come before the command's name
/// (`boxer --machine-readable status`), as Vagrant allows; `Boxer.runFromMain` moves it.
struct GlobalOptions: ParsableArguments {
    static let machineReadableFlag = "--machine-readable"

    @Flag(
        name: .customLong("machine-readable"),
        help: "Print Vagrant's machine-readable records (timestamp,target,type,data...) for scripts instead of text.")
    var machineReadable = false

    init() {}
    init(machineReadable: Bool) { self.machineReadable = machineReadable }

    /// The one channel the command says everything through.
    func makeOutput() -> Output {
        machineReadable ? Output(MachineReadableRenderer()) : Output(TerminalRenderer())
    }
}

/// A boxer command: it takes the global flags.
protocol BoxerCommand: ParsableCommand {
    var global: GlobalOptions { get set }
}
