import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeDestroy: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Destroy a volume that is not attached.",
        discussion: "The same as DELETE /v1/volumes/NAME of `boxer serve`.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        try await service.destroyVolume(target.volume)
        output.success("Destroyed volume \(target.volume).")
    }
}
