import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeDetach: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach", abstract: "Detach a volume from its node (the guest must let go of it).",
        discussion: "The same as POST /v1/volumes/NAME/detach of `boxer serve`.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: VolumeTarget

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        let done = try await service.detachVolume(target.volume)
        output.success("Detached: " + describe(service.volumeView(done)))
    }
}
