import ArgumentParser
import BoxerSupport
import Machines

struct Up: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and start the machines of this environment.",
        discussion: """
            Brings up the machines of the project's Vagrantfile (those with autostart, or the ones \
            named), in parallel: each gets a linked clone of its box, boots under its provider \
            (QEMU: KVM or HVF where they work, TCG otherwise), is waited for over SSH \
            (config.vm.boot_timeout), has the insecure key replaced by its own, gets its synced \
            folders, and is provisioned on first boot (or with --provision).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Machines to bring up (default: all with autostart).")
    var names: [String] = []

    @Option(help: "The provider to create machines with (default: $BOXER_DEFAULT_PROVIDER, the Vagrantfile's first, then qemu).")
    var provider: String?

    @Flag(inversion: .prefixedNo, help: "Run the provisioners (default: on first boot only).")
    var provision: Bool?

    @Option(help: "Run only these provisioners (by name or type), comma-separated.")
    var provisionWith: String?

    @Flag(inversion: .prefixedNo, help: "Bring machines up in parallel.")
    var parallel = true

    func run() async throws {
        let output = global.makeOutput()
        let environment = try openMachineEnvironment(output: output, provider: provider, validated: true)
        let only = provisionWith?.split(separator: ",").map(String.init) ?? []
        let options = MachineEnvironment.UpOptions(provision: only.isEmpty ? provision : true, provisionWith: only, parallel: parallel)
        try await withEnvironmentLock(environment, command: "up") {
            try await environment.up(names, options: options)
        }
    }
}
