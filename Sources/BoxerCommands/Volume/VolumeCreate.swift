import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeCreate: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a fixed-size volume.",
        discussion: "Preallocated with qemu-img, so its space is its own. The same as POST /v1/volumes.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    @Option(help: "Its size in MiB.")
    var sizeMib: Int

    @Option(help: "qcow2 (with snapshots) or raw.")
    var format: String = "qcow2"

    func run() async throws {
        let output = global.makeOutput()
        guard let chosen = VolumeRecord.Format(rawValue: format) else {
            throw ValidationError("--format \(format) is neither qcow2 nor raw.")
        }
        let service = makeNodeService()
        let made = try await service.createVolume(VolumeCreateRequest(name: target.volume, sizeMiB: sizeMib, format: chosen))
        output.success("Created volume " + describe(service.volumeView(made)) + " at \(service.volumes.image(made)).")
    }
}
