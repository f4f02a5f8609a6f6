import ArgumentParser
import BoxerSupport
import Foundation
import Machines
import Providers
import Vagrantfile

/// The providers boxer has: the built-in ones, each listed whether or not its hypervisor is
/// installed here (so that `--provider virtualbox` on a host without it says what to install),
/// then the provider plugins found on PATH and in providers/.
func availableProviders(home: BoxerHome, environment: [String: String] = ProcessInfo.processInfo.environment, plugins: Bool = true)
    -> [any Provider]
{
    let builtIn: [any Provider] = [
        QEMUProvider(home: home), LibvirtProvider(home: home, environment: environment), VirtualBoxProvider(home: home),
        VMwareProvider(home: home), ParallelsProvider(home: home),
    ]
    guard plugins else { return builtIn }
    return builtIn + providerPlugins(builtIn: Set(builtIn.map(\.name)), environment: environment)
}

/// `boxer-provider-<name>` programs on PATH and in providers/, each asked its hello.
func providerPlugins(builtIn: Set<String>, environment: [String: String]) -> [ExternalProvider] {
    let providersFolder = HostFiles.dataFolder(
        named: "providers", variable: "BOXER_PROVIDERS", environment: environment, executable: currentExecutable(), currentFolder: false)
    let folders = ExternalProvider.searchFolders(environment: environment, providersFolder: providersFolder)
    return ExternalProvider.discover(folders: folders, builtIn: builtIn, environment: environment)
}

/// The project's machines, ready for the lifecycle commands. `loaded` is the project's
/// environment when the caller has read it already. `validated`: refuse a configuration with
/// problems (unknown settings, missing files), as Vagrant's `up`, `provision` and `reload` do.
func openMachineEnvironment(
    output: Output, provider requested: String? = nil, environment variables: [String: String] = ProcessInfo.processInfo.environment,
    loaded: VagrantEnvironment? = nil, validated: Bool = false
) throws -> MachineEnvironment {
    let loader = VagrantfileLoader.forProject(environment: variables)
    let environment: VagrantEnvironment
    if let loaded {
        environment = loaded
    } else {
        environment = try loader.load()
        for warning in environment.warnings { output.warn(warning.description) }
    }
    let home = loader.home
    let providers = availableProviders(home: home, environment: variables)
    if let requested, !providers.contains(where: { $0.name == requested }) {
        throw CommandError.providerNotAvailable(requested: requested, available: providers.map(\.name))
    }
    // Asked only for the providers a machine's choice actually reaches (a plugin is started
    // only then), once each.
    let usable = Locked<[String: Bool]>([:])
    var machines = MachineEnvironment(
        environment: environment, home: home, providers: providers,
        defaultProvider: { machine in
            requested
                ?? DefaultProvider.choose(
                    for: machine, environment: variables,
                    usable: { name in
                        usable.withLock { answers in
                            if let known = answers[name] { return known }
                            let answer = providers.first { $0.name == name }?.usableAsDefault() ?? false
                            answers[name] = answer
                            return answer
                        }
                    })
        }, output: output, switchExecutable: currentExecutable())
    machines.admission = try capabilityAdmission(environment: variables, plugins: providers.compactMap { $0 as? ExternalProvider })
    if validated {
        let chosen = machines
        try environment.checkProblems(starting: true) { chosen.providerName(for: $0) }
    }
    return machines
}

/// The capability data's verdict for `boxer up`: a blocked or unavailable cell for the
/// provider and the box's architecture on this host stops the machine before it is created,
/// with the cell's reason. The data is providers/'s, and for plugins their hello's. Without
/// data for the provider there is no verdict.
func capabilityAdmission(environment: [String: String], plugins: [ExternalProvider] = []) throws -> (@Sendable (String, String) -> String?)?
{
    var found: [ProviderCapabilities] = []
    if let folder = CapabilityMatrix.locate(environment: environment, executable: currentExecutable()) {
        found = try CapabilityMatrix.load(folder: folder).providers
    }
    let known = found
    guard !known.isEmpty || !plugins.isEmpty else { return nil }
    let host = CapabilityProbe(environment: environment).currentHost()
    return { provider, guest in
        // A plugin's own data (its hello) first.
        guard let data = plugins.first(where: { $0.name == provider })?.capabilities ?? known.first(where: { $0.provider == provider })
        else { return nil }
        let cell = data.guestCell(host: host, guest: guest)
        guard !cell.status.isUsable else { return nil }
        return
            "\(guest) guests on \(host) are \(cell.status.rawValue): \(cell.reason ?? "")\(cell.reference.map { " (\($0))" } ?? "") [\(data.file)]"
    }
}

/// Holds `.vagrant/boxer.lock` while a command changes the project's machines; a second
/// command on the same project waits for the first (and says so) rather than racing it.
/// Runs a command's work holding the environment's lock, with the Vagrantfile's `type: :command`
/// triggers of `command` fired around it (when typed triggers are enabled).
func withEnvironmentLock<T: Sendable>(_ environment: MachineEnvironment, command: String, _ body: () async throws -> T) async throws -> T {
    let folder = environment.environment.root + "/.vagrant"
    try PrivateFiles.makeFolders(folder)
    let url = URL(fileURLWithPath: folder + "/boxer.lock")
    var lock = try FileLock.acquire(url, wait: false)
    if lock == nil {
        environment.output.targeting(nil).error(
            "Another boxer command is changing the machines of \(environment.environment.root); waiting for it to finish...")
        let waited = await onDedicatedThread { () throws -> FileLock? in try FileLock.acquire(url) }
        lock = try waited.get()
    }
    defer { lock?.unlock() }
    try await environment.fireCommandTriggers(.before, command: command)
    let result = try await body()
    try await environment.fireCommandTriggers(.after, command: command)
    return result
}

/// States from the providers, for `status` once machines exist: asked from a task (providers
/// are async) that the synchronous `status` waits for.
func liveStates(_ machines: [Machine], in loaded: VagrantEnvironment, notCreated: String, output: Output) -> [MachineStates.Entry] {
    let results = Locked<[MachineStates.Entry]>([])
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let environment = try openMachineEnvironment(output: output, loaded: loaded)
            for machine in machines {
                let provider: String
                let state: MachineState
                do throws(MachineError) {
                    (provider, state) = try await environment.state(of: machine)
                } catch {
                    results.withLock {
                        $0.append(
                            MachineStates.Entry(
                                provider: environment.providerName(for: machine), id: "unknown", state: "unknown",
                                explanation: error.message, failed: true))
                    }
                    continue
                }
                var explanation: String
                switch state {
                case .notCreated: explanation = notCreated
                case .running:
                    explanation =
                        "The VM is running. To stop this VM, you can run `boxer halt` to\nshut it down forcefully, or you can run `boxer suspend` to simply\nsuspend the virtual machine. In either case, to restart it again,\nsimply run `boxer up`."
                case .poweroff: explanation = "The VM is powered off. To restart the VM, simply run `boxer up`"
                case .paused: explanation = "The VM is paused. Run `boxer resume` (or `boxer up`) to continue it."
                case .aborted:
                    explanation =
                        "The VM's hypervisor process is gone although nobody halted it (it crashed or was killed).\nRun `boxer up` to start it again, or `boxer destroy` to remove it."
                }
                // How many snapshots it has, where its provider keeps them; and which host runs it.
                var location: String?
                if state != .notCreated, let (backend, context) = try? environment.context(for: machine) {
                    location = backend.location(context.folder)
                    if let count = try? await backend.snapshots(context).count, count > 0 {
                        explanation += "\n\nIt has \(count) snapshot\(count == 1 ? "" : "s"): `boxer snapshot list` names them."
                    }
                }
                results.withLock {
                    $0.append(
                        MachineStates.Entry(
                            provider: provider, id: state.rawValue, state: state.shortDescription, explanation: explanation,
                            location: location)
                    )
                }
            }
        } catch {
            results.set(
                machines.map {
                    MachineStates.Entry(
                        provider: DefaultProvider.choose(for: $0), id: "unknown", state: "unknown", explanation: "\(error)", failed: true)
                })
        }
        done.signal()
    }
    done.wait()
    return results.current
}

/// `status`'s lines about the environment network: its /24, the switch, each machine's NIC2 address.
/// A switch that should run and does not (killed) is said plainly, with the repair.
func networkLines(_ machines: [Machine], states: [MachineStates.Entry], in loaded: VagrantEnvironment) -> [String] {
    guard let environment = try? openMachineEnvironment(output: .discarded, loaded: loaded),
        let report = environment.networkReport(machines)
    else { return [] }
    let network = report.subnet.description
    var lines: [String] = []
    let running = states.contains { $0.state == MachineState.running.shortDescription }
    if report.usesSwitch, report.switchPID == nil, running {
        lines.append("Internal network \(network): its switch is NOT running (it stopped or was killed), so the")
        lines.append("machines cannot reach each other over NIC2. Run `boxer up` to start it again; machines keep")
        lines.append("their addresses.")
    } else {
        lines.append("Internal network \(network)" + (report.switchPID.map { " (switch pid \($0))" } ?? "") + ":")
    }
    for machine in machines {
        guard let (address, kind) = report.addresses[machine.name] else { continue }
        lines.append("  " + machine.name.padded(to: max(23, machine.name.count + 1)) + " \(address) (\(kind))")
    }
    return lines
}

/// This program's own path, for the helper processes it starts (the network switch).
func currentExecutable() -> String {
    #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if count > 0 { return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    #endif
    return CommandLine.arguments[0].hasPrefix("/")
        ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
}
