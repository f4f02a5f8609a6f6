import ArgumentParser
import BoxerSupport
import Foundation
import NodeAPI

struct NodeCreate: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a node from an image and a size, and bring it up.",
        discussion: """
            Makes $BOXER_HOME/nodes/NAME (a one-machine project), then boots the machine as \
            `boxer up` does. The key or password becomes the box's SSH user's (through the NoCloud \
            seed, and for a key also DMI and, once up, authorized_keys); the size's disk is the \
            node's disk size. POST /v1/nodes of `boxer serve` does the same.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    @Option(help: "The image id (`boxer node images`).")
    var image: String

    @Option(help: "The size id (`boxer node sizes`; default: none, the box's own CPUs, memory and disk).")
    var size: String?

    @Option(help: ArgumentHelp("An OpenSSH public key file whose key may log in.", valueName: "file.pub"))
    var sshKey: String?

    @Option(help: ArgumentHelp("A file whose first line is a password for the SSH user (- for standard input).", valueName: "file"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("cloud-init user data (#cloud-config or a #! script).", valueName: "file"))
    var userData: String?

    func run() async throws {
        let output = global.makeOutput()
        var request = NodeCreateRequest(name: target.name, image: image, size: size)
        if let sshKey { request.sshKey = try Self.read(sshKey, limit: 16 * 1024).trimmingCharacters(in: .whitespacesAndNewlines) }
        if let userData { request.userData = try Self.read(userData, limit: NodeCreateRequest.maximumUserData + 1) }
        if let passwordFile {
            let text = passwordFile == "-" ? (readLine(strippingNewline: true) ?? "") : try Self.read(passwordFile, limit: 4096)
            request.password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        let service = makeNodeService()
        await service.recoverInterrupted(output: output)
        let ticket = try service.accept(request)
        output.say("Creating node \(target.name) in \(service.store.path(of: target.name))...")
        try await service.create(ticket, output: output)
        let view = try await service.view(target.name)
        output.success(
            "Node \(target.name) is \(view.state)"
                + (view.sshPort.map { "; ssh -p \($0) \(view.sshUser ?? "vagrant")@\(view.sshHost ?? "127.0.0.1")" } ?? "") + ".")
    }

    static func read(_ path: String, limit: Int) throws -> String {
        do {
            return try HostFiles.readText(
                at: HostFiles.absolute((path as NSString).expandingTildeInPath, relativeTo: HostFiles.currentDirectory()), limit: limit)
        } catch {
            throw NodeError(.badRequest, "\(path) cannot be read: \(error)")
        }
    }
}
