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
            guard let rsync = Programs.find("rsync") else {
                output.targeting(name).warn(
                    "rsync is not installed on this host, so \(folder.hostPath) is not synced to \(folder.guestPath) (Debian: apt-get install rsync)."
                )
                continue
            }
            let check = try await communicator.capture("command -v rsync")
            guard check.succeeded else {
                output.targeting(name).warn(
                    "The guest has no rsync, so \(folder.hostPath) is not synced to \(folder.guestPath). Install rsync in the box, or disable the folder with `disabled: true`."
                )
                continue
            }
            let source = HostFiles.absolute(folder.hostPath, relativeTo: environment.root)
            output.targeting(name).say("Rsyncing folder: \(source)/ => \(folder.guestPath)")
            _ = try await communicator.capture(
                "sudo mkdir -p \(Communicator.quote(folder.guestPath)) && sudo chown \(communicator.user) \(Communicator.quote(folder.guestPath))"
            )
            let ssh = ([Communicator.ssh] + communicator.sshArguments().dropLast()).map(Communicator.quote).joined(separator: " ")
            let arguments = [
                "--archive", "--delete", "--compress", "--copy-links", "--exclude", ".vagrant/", "-e", ssh, source + "/",
                "\(communicator.user)@\(communicator.endpoint.host):\(folder.guestPath)",
            ]
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
        }
    }
}
