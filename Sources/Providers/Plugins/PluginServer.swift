import Foundation
import Machines

/// The plugin's side of the protocol, for plugins written in Swift: answers boxer's hello with
/// the provider's name, formats and capability data, then serves requests by calling the
/// provider, until its input ends. The example plugin (boxer-provider-example) is this around
/// the QEMU provider; a plugin in another language follows providers/PLUGINS.md instead.
public struct PluginServer: Sendable {
    public let name: String
    public let provider: any Provider
    public let capabilities: JSONValue?

    public init(name: String, provider: any Provider, capabilities: JSONValue?) {
        self.name = name
        self.provider = provider
        self.capabilities = capabilities
    }

    /// Serves standard input and output; returns the exit status.
    public func run() async -> Int32 {
        guard let line = readLine(), let hello = try? JSONDecoder().decode(PluginProtocol.Hello.self, from: Data(line.utf8)),
            hello.protocol == PluginProtocol.name
        else {
            FileHandle.standardError.write(
                Data("\(PluginProtocol.executablePrefix)\(name): expected boxer's hello on standard input\n".utf8))
            return 2
        }
        guard hello.versions?.contains(PluginProtocol.version) == true else {
            FileHandle.standardError.write(
                Data(
                    "\(PluginProtocol.executablePrefix)\(name): boxer speaks protocol versions \(hello.versions ?? []), this plugin \(PluginProtocol.version)\n"
                        .utf8))
            return 2
        }
        send(
            PluginProtocol.Hello(
                version: PluginProtocol.version, name: name, boxFormats: provider.boxFormats,
                attachesToUserspaceSwitch: provider.attachesToUserspaceSwitch,
                sharedFolderTypes: provider.sharedFolderTypes.sorted(), capabilities: capabilities))
        while let line = readLine() {
            guard let request = try? JSONDecoder().decode(PluginProtocol.Request.self, from: Data(line.utf8)) else {
                // Answered with the request's id when it has one (an operation of a newer boxer).
                let id = (try? JSONDecoder().decode(RequestID.self, from: Data(line.utf8)))?.id
                send(
                    PluginProtocol.Reply(
                        type: "error", id: id, kind: "unsupported",
                        message: "\(name) cannot take this request (an unknown operation or fields): \(line.prefix(200))"))
                continue
            }
            do throws(MachineError) {
                send(PluginProtocol.Reply(type: "result", id: request.id, value: try await answer(request)))
            } catch {
                send(PluginProtocol.Reply(type: "error", id: request.id, kind: Self.kind(error.kind), message: error.message))
            }
        }
        return 0
    }

    func answer(_ request: PluginProtocol.Request) async throws(MachineError) -> JSONValue {
        func context() throws(MachineError) -> MachineContext {
            guard let context = request.context else { throw MachineError.requestLacks("a context", operation: request.operation.rawValue) }
            return context.machineContext
        }
        func encode<T: Encodable>(_ value: T) throws(MachineError) -> JSONValue {
            do { return try JSONValue(encoding: value) } catch { throw MachineError.resultNotEncodable(error) }
        }
        switch request.operation {
        case .checkUsable:
            try provider.checkUsable()
            return .null
        case .create: return .string(try await provider.create(try context()))
        case .start:
            try await provider.start(try context())
            return .null
        case .stop:
            try await provider.stop(try context(), force: request.force ?? false, timeout: request.timeout ?? 30)
            return .null
        case .suspend:
            try await provider.suspend(try context())
            return .null
        case .resume:
            try await provider.resume(try context())
            return .null
        case .destroy:
            try await provider.destroy(try context())
            return .null
        case .state: return .string(await provider.state(try context()).rawValue)
        case .sshEndpoint:
            guard let endpoint = provider.sshEndpoint(try context()) else { return .null }
            return .object(["host": .string(endpoint.host), "port": .int(endpoint.port)])
        case .forwardedPorts: return try encode(provider.forwardedPorts(try context()))
        case .consoleTail: return .string(provider.consoleTail(try context(), lines: request.lines ?? 20))
        case .mountCommand:
            guard let share = request.share else { throw MachineError.requestLacks("a share", operation: "mount_command") }
            return .string(provider.mountCommand(for: share.sharedFolder))
        case .internalAddress: return await provider.internalAddress(try context()).map(JSONValue.string) ?? .null
        case .ensureInternalNetwork:
            guard let network = request.network else { throw MachineError.requestLacks("a network", operation: "ensure_internal_network") }
            try await provider.ensureInternalNetwork(network.internalNetwork)
            return .null
        case .removeInternalNetwork:
            guard let network = request.network else { throw MachineError.requestLacks("a network", operation: "remove_internal_network") }
            await provider.removeInternalNetwork(network.internalNetwork)
            return .null
        }
    }

    struct RequestID: Decodable { var id: Int }

    static func kind(_ kind: MachineError.Kind) -> String {
        switch kind {
        case .boxMissing: "box_missing"
        case .toolMissing: "tool_missing"
        case .portInUse: "port_in_use"
        case .configuration: "configuration"
        default: "provider"
        }
    }

    func send<T: Encodable>(_ message: T) {
        guard var data = try? JSONEncoder().encode(message) else { return }
        data.append(0x0a)
        FileHandle.standardOutput.write(data)
    }
}
