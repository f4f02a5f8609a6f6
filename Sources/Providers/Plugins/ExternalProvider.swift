import BoxerSupport
import Foundation
import Logging
import Machines

/// A provider that lives in another program: `boxer-provider-<name>`, found on PATH or in the
/// providers/ folder, spoken to with the plugin protocol (PluginProtocol). Its name comes from
/// its file name; its box formats and capability data from its `hello`, asked the first time
/// they are needed and kept. Each operation is one conversation with a fresh plugin process.
///
/// A plugin that cannot be started, crashes, hangs past its time or prints garbage fails the
/// operation with a `MachineError` that says which plugin did what; boxer itself goes on (and
/// a plugin whose `hello` failed is listed as unusable with that error).
public struct ExternalProvider: Provider {
    public let executable: String
    /// From the file name; the plugin's hello must agree.
    public let name: String
    let environment: [String: String]
    public let timeouts: Timeouts
    let handshake: Handshake
    static let logger = Logger(label: "boxer.plugin")

    /// Seconds each kind of operation may take before the plugin is stopped.
    public struct Timeouts: Sendable {
        public var hello: Double = 15
        /// state, ssh_endpoint and other questions.
        public var query: Double = 30
        /// create, start, destroy, networks: they may copy disks and boot.
        public var action: Double = 900

        public init(hello: Double = 15, query: Double = 30, action: Double = 900) {
            self.hello = hello
            self.query = query
            self.action = action
        }
    }

    /// What the plugin's hello said, asked the first time it is needed (a command that never
    /// uses the plugin never starts it), then kept.
    final class Handshake: Sendable {
        struct Outcome {
            var hello = PluginProtocol.Hello()
            var capabilities: ProviderCapabilities?
            var unusable: MachineError?
        }

        private let outcome = Locked<Outcome?>(nil)
        private let ask: @Sendable () -> Outcome

        init(_ ask: @escaping @Sendable () -> Outcome) { self.ask = ask }

        var value: Outcome {
            outcome.withLock { outcome in
                if let outcome { return outcome }
                let asked = ask()
                outcome = asked
                return asked
            }
        }
    }

    public init(executable: String, environment: [String: String] = ProcessInfo.processInfo.environment, timeouts: Timeouts = Timeouts()) {
        self.executable = executable
        self.environment = environment
        self.timeouts = timeouts
        let fileName = executable.split(separator: "/").last.map(String.init) ?? executable
        let name = String(fileName.dropFirst(PluginProtocol.executablePrefix.count))
        self.name = name
        handshake = Handshake {
            var outcome = Handshake.Outcome()
            do throws(PluginClient.Failure) {
                outcome.hello = try PluginClient(executable: executable, environment: environment).converse(
                    request: nil, timeout: timeouts.hello
                ).0
            } catch {
                outcome.unusable = MachineError.passing(error.message, as: .toolMissing)
                return outcome
            }
            if outcome.hello.name != name {
                outcome.unusable = MachineError.pluginMisnamed(executable, callsItself: outcome.hello.name ?? "", fileSays: name)
                return outcome
            }
            if let data = outcome.hello.capabilities {
                do {
                    let text = String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
                    outcome.capabilities = try ProviderCapabilities.parse(text, file: "\(executable) (its hello's capabilities)")
                } catch let error as CapabilityError {
                    outcome.unusable = MachineError.passing(error.message, as: .toolMissing)
                } catch {
                    outcome.unusable = MachineError.pluginCapabilitiesUnreadable(executable, error)
                }
            }
            if outcome.unusable == nil, outcome.hello.boxFormats?.isEmpty ?? true {
                outcome.unusable = MachineError.pluginWithoutBoxFormats(executable)
            }
            return outcome
        }
    }

    public var boxFormats: [String] { handshake.value.hello.boxFormats ?? [] }
    public var attachesToUserspaceSwitch: Bool { handshake.value.hello.attachesToUserspaceSwitch ?? false }
    public var sharedFolderTypes: Set<String> { Set(handshake.value.hello.sharedFolderTypes ?? []) }
    /// The capability data from the plugin's hello, checked like providers/*.yaml.
    public var capabilities: ProviderCapabilities? { handshake.value.capabilities }
    /// Why the plugin cannot be used (its hello failed), when it cannot.
    public var unusable: String? { handshake.value.unusable?.message }

    /// Every `boxer-provider-*` program in `folders` (PATH's, then providers/), the first of
    /// each name winning; names of built-in providers are left to them.
    public static func discover(
        folders: [String], builtIn: Set<String>, environment: [String: String] = ProcessInfo.processInfo.environment,
        timeouts: Timeouts = Timeouts()
    ) -> [ExternalProvider] {
        var seen = builtIn
        var found: [ExternalProvider] = []
        for folder in folders {
            for entry in HostFiles.entries(of: folder).sorted()
            where entry.hasPrefix(PluginProtocol.executablePrefix) && entry.count > PluginProtocol.executablePrefix.count {
                let path = folder + "/" + entry
                let name = String(entry.dropFirst(PluginProtocol.executablePrefix.count))
                guard !seen.contains(name), HostFiles.kind(of: path) == .regular, access(path, X_OK) == 0 else { continue }
                seen.insert(name)
                found.append(ExternalProvider(executable: path, environment: environment, timeouts: timeouts))
            }
        }
        return found
    }

    /// PATH's folders, then the providers/ folder when there is one (`$BOXER_PROVIDERS` or the
    /// one beside boxer: never the current folder's, so a project cannot bring programs).
    public static func searchFolders(environment: [String: String], providersFolder: String?) -> [String] {
        (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty } + (providersFolder.map { [$0] } ?? [])
    }

    // MARK: Conversations

    func call(_ request: PluginProtocol.Request, timeout: Double) throws(MachineError) -> PluginProtocol.Reply {
        if let unusable = handshake.value.unusable { throw unusable }
        let reply: PluginProtocol.Reply?
        do throws(PluginClient.Failure) {
            reply = try PluginClient(executable: executable, environment: environment).converse(request: request, timeout: timeout) {
                line in
                Self.logger.info("\(name): \(line)")
            }.1
        } catch {
            throw MachineError.passing(error.message, as: .provider)
        }
        guard let reply else {
            throw MachineError.pluginGaveNoReply(executable, to: request.operation.rawValue)
        }
        if reply.type == "error" {
            throw MachineError.pluginFailed(name, kind: Self.kind(reply.kind), message: reply.message)
        }
        return reply
    }

    func callAsync(_ request: PluginProtocol.Request, timeout: Double) async throws(MachineError) -> PluginProtocol.Reply {
        let outcome = await onDedicatedThread { () throws(MachineError) -> PluginProtocol.Reply in try call(request, timeout: timeout) }
        return try outcome.get()
    }

    func request(_ operation: PluginProtocol.Operation, _ context: MachineContext?) -> PluginProtocol.Request {
        PluginProtocol.Request(
            id: Int.random(in: 1...Int(Int32.max)), operation: operation, context: context.map(PluginProtocol.Context.init))
    }

    static func kind(_ text: String?) -> MachineError.Kind {
        switch text {
        case "box_missing": .boxMissing
        case "tool_missing": .toolMissing
        case "port_in_use": .portInUse
        case "configuration": .configuration
        default: .provider
        }
    }

    /// The value of a result, decoded, or an error naming the plugin.
    func value<T: Decodable>(_ reply: PluginProtocol.Reply, as type: T.Type, _ operation: PluginProtocol.Operation) throws(MachineError)
        -> T
    {
        do {
            return try (reply.value ?? .null).decode(type)
        } catch {
            throw MachineError.pluginValueUnreadable(executable, operation: operation.rawValue, error)
        }
    }

    // MARK: Provider

    public func mountCommand(for share: SharedFolder) -> String {
        var request = request(.mountCommand, nil)
        request.share = PluginProtocol.Share(share)
        return (try? call(request, timeout: timeouts.query).value?.string) ?? "false"
    }

    public func checkUsable() throws(MachineError) {
        _ = try call(request(.checkUsable, nil), timeout: timeouts.query)
    }

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        let reply = try await callAsync(request(.create, context), timeout: timeouts.action)
        let id = try value(reply, as: String.self, .create)
        guard !id.isEmpty else { throw MachineError.pluginCreatedNoID(executable) }
        return id
    }

    public func start(_ context: MachineContext) async throws(MachineError) {
        _ = try await callAsync(request(.start, context), timeout: timeouts.action)
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        var request = request(.stop, context)
        request.force = force
        request.timeout = timeout
        _ = try await callAsync(request, timeout: timeout + timeouts.query)
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        _ = try await callAsync(request(.suspend, context), timeout: timeouts.action)
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        _ = try await callAsync(request(.resume, context), timeout: timeouts.action)
    }

    public func destroy(_ context: MachineContext) async throws(MachineError) {
        _ = try await callAsync(request(.destroy, context), timeout: timeouts.action)
    }

    /// A machine without an id is not created; one the plugin cannot answer about is
    /// "aborted", so that nothing takes it for gone.
    public func state(_ context: MachineContext) async -> MachineState {
        guard context.folder.id != nil else { return .notCreated }
        guard let reply = try? await callAsync(request(.state, context), timeout: timeouts.query),
            let text = reply.value?.string, let state = MachineState(rawValue: text)
        else { return .aborted }
        return state
    }

    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? {
        guard let reply = try? call(request(.sshEndpoint, context), timeout: timeouts.query),
            let endpoint = try? value(reply, as: Endpoint?.self, .sshEndpoint)
        else { return nil }
        return SSHEndpoint(host: endpoint.host, port: endpoint.port)
    }

    struct Endpoint: Codable {
        var host: String
        var port: Int
    }

    public func forwardedPorts(_ context: MachineContext) -> [PortForward] {
        guard let reply = try? call(request(.forwardedPorts, context), timeout: timeouts.query) else { return [] }
        return (try? value(reply, as: [PortForward].self, .forwardedPorts)) ?? []
    }

    public func consoleTail(_ context: MachineContext, lines: Int) -> String {
        var request = request(.consoleTail, context)
        request.lines = lines
        do throws(MachineError) {
            return try call(request, timeout: timeouts.query).value?.string ?? ""
        } catch {
            return "(no console: \(error.message))"
        }
    }

    public func internalAddress(_ context: MachineContext) async -> String? {
        try? await callAsync(request(.internalAddress, context), timeout: timeouts.query).value?.string
    }

    public func ensureInternalNetwork(_ network: InternalNetwork) async throws(MachineError) {
        var request = request(.ensureInternalNetwork, nil)
        request.network = PluginProtocol.Network(network)
        _ = try await callAsync(request, timeout: timeouts.action)
    }

    public func removeInternalNetwork(_ network: InternalNetwork) async {
        var request = request(.removeInternalNetwork, nil)
        request.network = PluginProtocol.Network(network)
        _ = try? await callAsync(request, timeout: timeouts.action)
    }
}
