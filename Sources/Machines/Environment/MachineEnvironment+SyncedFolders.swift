import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// Synced folders: 9p mounts where the provider shares folders, rsync otherwise.
extension MachineEnvironment {
    func providerMount(_ context: MachineContext, _ share: SharedFolder) -> String {
        providers[context.folder.provider]?.mountCommand(for: share) ?? "false"
    }

    /// The synced folders the hypervisor shares itself, with a tag each (9p tags are at most
    /// 31 bytes).
    func shares(for context: MachineContext, provider: any Provider) -> [SharedFolder] {
        context.machine.syncedFolders.enumerated().compactMap { index, folder in
            guard !folder.disabled, let type = folder.type, provider.sharedFolderTypes.contains(type) else { return nil }
            let mode = folder.options["accessmode"]?.string.map { $0 == "mapped" ? "mapped-xattr" : $0 } ?? "mapped-xattr"
            return SharedFolder(
                tag: "boxer\(index)", hostPath: HostFiles.absolute(folder.hostPath, relativeTo: environment.root),
                guestPath: folder.guestPath, accessMode: mode)
        }
    }

    func syncFolders(_ context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let name = context.machine.name
        for share in context.shares {
            let mounted = try await communicator.capture("sudo sh -c \(Communicator.quote(providerMount(context, share)))")
            if mounted.succeeded {
                output.targeting(name).say("Mounting shared folder: \(share.hostPath) => \(share.guestPath) (9p)")
            } else {
                output.targeting(name).warn(
                    "The guest could not mount \(share.hostPath) at \(share.guestPath) over 9p (\(mounted.error.trimmingCharacters(in: .whitespacesAndNewlines))); its kernel may lack the 9p and 9pnet_virtio modules. The folder is not shared; use type: \"rsync\" for this box."
                )
            }
        }
        let hypervisorTypes = providers[context.folder.provider]?.sharedFolderTypes ?? []
        for folder in context.machine.syncedFolders where !folder.disabled {
            let type = folder.type ?? "rsync"
            // Shared by the hypervisor: mounted above at boot (and still mounted on a later `up`).
            if hypervisorTypes.contains(type) { continue }
            guard type == "rsync" else {
                output.targeting(name).warn(
                    "Synced folder \(folder.hostPath) => \(folder.guestPath) has type '\(type)', which the \(context.folder.provider) provider does not do; it is skipped. Use type: \"rsync\"."
                )
                continue
            }
            try await rsync(folder, context: context, communicator: communicator)
        }
    }

    /// One rsync folder into the guest, with Vagrant's rsync options: `rsync__args` (default
    /// `--verbose --archive --delete -z --copy-links`), `rsync__exclude` (with `.vagrant/`
    /// always), `rsync__rsync_path`, and `rsync__chown` (default true: the synced files
    /// belong to `owner`/`group`, the SSH user by default, as Vagrant leaves them).
    /// `again`: the folder was sent before in this run (`rsync-auto`), so the guest's rsync and
    /// the folder are known to be there.
    func rsync(_ folder: SyncedFolder, context: MachineContext, communicator: Communicator, again: Bool = false) async throws(MachineError)
    {
        let name = context.machine.name
        guard let rsync = Programs.find("rsync") else {
            output.targeting(name).warn(
                "rsync is not installed on this host, so \(folder.hostPath) is not synced to \(folder.guestPath) (Debian: apt-get install rsync)."
            )
            return
        }
        let check = again ? Programs.Result(status: 0, output: "", error: "") : try await communicator.capture("command -v rsync")
        guard check.succeeded else {
            output.targeting(name).warn(
                "The guest has no rsync, so \(folder.hostPath) is not synced to \(folder.guestPath). Install rsync in the box, or disable the folder with `disabled: true`."
            )
            return
        }
        let source = HostFiles.absolute(folder.hostPath, relativeTo: environment.root)
        output.targeting(name).say("Rsyncing folder: \(source)/ => \(folder.guestPath)")
        let guest = Communicator.quote(folder.guestPath)
        if !again { _ = try await communicator.capture("sudo mkdir -p \(guest) && sudo chown \(communicator.user) \(guest)") }
        let ssh = ([Communicator.ssh] + communicator.sshArguments().dropLast()).map(Communicator.quote).joined(separator: " ")
        func strings(_ key: String) -> [String]? {
            switch folder.options[key] {
            case .array(let items)?: return items.compactMap(\.string)
            case .string(let text)?: return [text]
            default: return nil
            }
        }
        var arguments = strings("rsync__args") ?? ["--verbose", "--archive", "--delete", "-z", "--copy-links"]
        for pattern in [".vagrant/"] + (strings("rsync__exclude") ?? []) { arguments += ["--exclude", pattern] }
        if let path = folder.options["rsync__rsync_path"]?.string { arguments.append("--rsync-path=\(path)") }
        arguments += ["-e", ssh, source + "/", "\(communicator.user)@\(communicator.endpoint.host):\(folder.guestPath)"]
        var result = try await Programs.run(rsync, arguments)
        // 255: the SSH connection dropped. A guest that has just booted may still be
        // restarting its SSH server (cloud-init does, after writing host keys); try again.
        for _ in 0..<4 where result.status == 255 {
            try? await Task.sleep(for: .seconds(2))
            result = try await Programs.run(rsync, arguments)
        }
        guard result.succeeded else {
            throw MachineError.rsyncFailed(source, to: folder.guestPath, result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if folder.options["rsync__chown"]?.bool ?? true {
            let owner = folder.options["owner"]?.string ?? communicator.user
            let group = folder.options["group"]?.string ?? owner
            let owners = "\(Communicator.quote(owner)):\(Communicator.quote(group))"
            _ = try await communicator.capture(
                "sudo find \(guest) '!' -type l -a '(' '!' -user \(Communicator.quote(owner)) -o '!' -group \(Communicator.quote(group)) ')' -exec chown \(owners) '{}' + 2>/dev/null; true"
            )
        }
    }
}
