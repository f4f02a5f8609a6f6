import BoxerSupport
import Foundation
import Vagrantfile

/// `rsync` and `rsync-auto`: the machines' rsync folders sent again, once or whenever the host
/// side changes, as Vagrant's commands do.
extension MachineEnvironment {
    /// The rsync folders of a machine (`type: "rsync"`, the default where the provider shares
    /// none itself); `automatic`: only those `rsync__auto` does not turn off.
    func rsyncFolders(_ machine: Machine, automatic: Bool = false) -> [SyncedFolder] {
        let shared = providers[providerName(for: machine)]?.sharedFolderTypes ?? []
        return machine.resolved(for: providerName(for: machine)).syncedFolders.filter { folder in
            let type = folder.type ?? "rsync"
            return !folder.disabled && type == "rsync" && !shared.contains(type)
                && (!automatic || folder.options["rsync__auto"]?.bool != false)
        }
    }

    /// Sends every rsync folder of the named machines that run; the others are said to be skipped.
    public func rsync(_ names: [String]) async throws(MachineError) {
        for machine in try machines(names) {
            try await rsync(machine, folders: rsyncFolders(machine))
        }
    }

    /// `controlPath`: connections share one SSH session (rsync-auto); `again`: sent before.
    private func rsync(_ machine: Machine, folders: [SyncedFolder], controlPath: String? = nil, again: Bool = false)
        async throws(MachineError)
    {
        guard !folders.isEmpty else { return }
        let (provider, context) = try context(for: machine)
        guard await provider.state(context) == .running, let endpoint = provider.sshEndpoint(context) else {
            output.targeting(machine.name).say("Machine not running; its folders are synced when it comes up. Skipping...")
            return
        }
        var communicator = try communicator(for: context, endpoint: endpoint)
        communicator.session.controlPath = controlPath
        for folder in folders { try await rsync(folder, context: context, communicator: communicator, again: again) }
    }

    /// Syncs once, then watches the host folders and syncs each change (a burst as one) until
    /// cancelled (Ctrl-C). A sync that fails (a guest rebooting) is said and tried again on the
    /// next change.
    public func rsyncAuto(_ names: [String], polling: Bool) async throws(MachineError) {
        let selected = try machines(names)
        var watched: [(machine: Machine, folder: SyncedFolder, path: String)] = []
        for machine in selected {
            for folder in rsyncFolders(machine, automatic: true) {
                watched.append((machine, folder, HostFiles.absolute(folder.hostPath, relativeTo: environment.root)))
            }
        }
        guard !watched.isEmpty else {
            output.say("No synced folders of type rsync to watch (rsync__auto: false leaves a folder out).")
            return
        }
        // One SSH session per machine, shared by every sync of this run (%C: a hash of the
        // destination, so each machine and port has its own).
        let controlPath = (try? home.prepareRuntime()).map { $0 + "/ssh-%C" }
        output.say("Doing an initial rsync...")
        for machine in selected {
            await syncLogged(machine, folders: watched.filter { $0.machine.name == machine.name }.map(\.folder), controlPath: controlPath)
        }
        let roots = Array(Set(watched.map(\.path))).sorted()
        let excludes = watched.flatMap { entry -> [String] in
            switch entry.folder.options["rsync__exclude"] {
            case .array(let items)?: return items.compactMap(\.string)
            case .string(let text)?: return [text]
            default: return []
            }
        }
        let watcher = WatcherBox(
            DirectoryWatcher(roots: roots, polling: polling) { relative in
                relative.hasPrefix(".vagrant/") || excludes.contains { relative.hasPrefix($0.hasPrefix("/") ? String($0.dropFirst()) : $0) }
            })
        for root in roots { output.say("Watching: \(root)") }
        while !Task.isCancelled {
            let changed = await onDedicatedThread { () -> Set<Int> in watcher.watcher.waitForChanges(timeout: 0.5) }.get()
            guard !changed.isEmpty, !Task.isCancelled else { continue }
            let paths = Set(changed.map { roots[$0] })
            for machine in selected {
                let folders = watched.filter { $0.machine.name == machine.name && paths.contains($0.path) }.map(\.folder)
                await syncLogged(machine, folders: folders, controlPath: controlPath, again: true)
            }
        }
        // The shared sessions end with the run.
        for machine in selected {
            guard let controlPath, let (provider, context) = try? context(for: machine), let endpoint = provider.sshEndpoint(context),
                var communicator = try? communicator(for: context, endpoint: endpoint)
            else { continue }
            communicator.session.controlPath = controlPath
            _ = try? await Programs.run(Communicator.ssh, communicator.sshArguments(extra: ["-O", "exit"]))
        }
    }

    /// A sync whose failure is said, not thrown: rsync-auto keeps going.
    private func syncLogged(_ machine: Machine, folders: [SyncedFolder], controlPath: String?, again: Bool = false) async {
        do throws(MachineError) {
            try await rsync(machine, folders: folders, controlPath: controlPath, again: again)
        } catch {
            output.targeting(machine.name).warn("\(error.message)\nboxer tries again on the next change.")
        }
    }
}

/// The watcher handed to the thread that waits on it (one waits at a time).
private final class WatcherBox: @unchecked Sendable {
    let watcher: DirectoryWatcher
    init(_ watcher: DirectoryWatcher) { self.watcher = watcher }
}
