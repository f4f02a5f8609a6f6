import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeAttach: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Attach a volume to a node (hot-plugged when it runs).",
        discussion: "The same as POST /v1/volumes/NAME/attach of `boxer serve`.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    @Option(help: "The node to attach it to.")
    var node: String

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        let done = try await service.attachVolume(target.volume, to: node)
        output.success("Attached: " + describe(service.volumeView(done)))
    }
}
