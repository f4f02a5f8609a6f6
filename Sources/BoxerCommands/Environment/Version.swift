import ArgumentParser
import BoxerSupport

struct Version: ParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the version of boxer.",
        discussion:
            "As `vagrant version` prints it: `Installed Version: X`, and for scripts a `version-installed` record. boxer does not ask the network for a newer version."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let output = global.makeOutput()
        output.text("Installed Version: \(BoxerVersion.current)")
        output.record("version-installed", BoxerVersion.current)
    }
}
