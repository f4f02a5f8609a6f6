import BoxerSupport
import Foundation
import Vagrantfile

/// `snapshot save|restore|delete|list|push|pop`, as Vagrant 2.3.4's snapshot commands run them:
/// one machine after another, each through its action (`snapshot_save`, `snapshot_restore`,
/// `snapshot_delete`, whose triggers fire), with Vagrant's messages.
extension MachineEnvironment {
    public struct RestoreOptions: Sendable {
        /// nil: the provisioners do not run (only those marked `run: "always"` when it boots).
        public var provision: Bool?
        /// false: a machine that is off after the restore stays off (`--no-start`).
        public var start: Bool

        public init(provision: Bool? = nil, start: Bool = true) {
            self.provision = provision
            self.start = start
        }
    }

    /// Names become QEMU monitor words and file names: a conservative set of characters.
    static func checkSnapshotName(_ name: String) throws(MachineError) {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard allowed, !name.isEmpty, name.count <= 64, !name.hasPrefix("-") else { throw MachineError.snapshotNameInvalid(name) }
    }

    public func saveSnapshot(_ names: [String], name: String, force: Bool) async throws(MachineError) {
        try Self.checkSnapshotName(name)
        try await forEach(try machines(names), action: "snapshot_save", parallel: false) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            let target = output.targeting(machine.name)
            guard context.folder.id != nil else {
                target.say("Machine '\(machine.name)' has not been created yet, and therefore cannot save snapshots. Skipping...")
                return
            }
            if try await provider.snapshots(context).contains(where: { $0.name == name }) {
                guard force else { throw MachineError.snapshotExists(name, machine: machine.name) }
                target.say("Deleting the snapshot '\(name)'...")
                try await provider.deleteSnapshot(context, name: name)
            }
            target.say("Snapshotting the machine as '\(name)'...")
            try await provider.saveSnapshot(context, name: name)
            target.success(
                "Snapshot saved! You can restore the snapshot at any time by\nusing `boxer snapshot restore`. You can delete it using\n`boxer snapshot delete`."
            )
        }
    }

    public func restoreSnapshot(_ names: [String], name: String, options: RestoreOptions) async throws(MachineError) {
        try await forEach(try machines(names), action: "snapshot_restore", parallel: false) { machine throws(MachineError) in
            try await restore(machine, name: name, options: options)
        }
    }

    func restore(_ machine: Machine, name: String, options: RestoreOptions) async throws(MachineError) {
        let (provider, context) = try context(for: machine)
        let target = output.targeting(machine.name)
        guard context.folder.id != nil else {
            target.say("VM not created. Moving on...")
            return
        }
        guard try await provider.snapshots(context).contains(where: { $0.name == name }) else {
            throw MachineError.snapshotNotFound(name, machine: machine.name)
        }
        target.say("Restoring the snapshot '\(name)'...")
        let running = try await provider.restoreSnapshot(context, name: name)
        if running {
            // Restored into the running guest: its state is the snapshot's; provisioners only
            // when asked.
            if options.provision == true {
                try await runProvisioners(context, provider: provider, all: true, only: [], skipAll: false)
            }
        } else if options.start {
            try await up(machine, options: UpOptions(provision: options.provision ?? false))
        }
    }

    public func deleteSnapshot(_ names: [String], name: String) async throws(MachineError) {
        try await forEach(try machines(names), action: "snapshot_delete", parallel: false) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            let target = output.targeting(machine.name)
            guard context.folder.id != nil else {
                target.say("VM not created. Moving on...")
                return
            }
            target.say("Deleting the snapshot '\(name)'...")
            try await provider.deleteSnapshot(context, name: name)
            target.success("Snapshot deleted!")
        }
    }

    /// Each machine's snapshots, oldest first; nil for a machine that is not created.
    public func snapshotList(_ names: [String]) async throws(MachineError) -> [(machine: String, snapshots: [Snapshot]?)] {
        var lists: [(machine: String, snapshots: [Snapshot]?)] = []
        for machine in try machines(names) {
            let (provider, context) = try context(for: machine)
            lists.append((machine.name, context.folder.id == nil ? nil : try await provider.snapshots(context)))
        }
        return lists
    }

    /// `push`: a snapshot named as Vagrant names pushed ones (`push_<time>_<random>`).
    public func pushSnapshot(_ names: [String]) async throws(MachineError) {
        for machine in try machines(names) {
            guard folder(of: machine).id != nil else {
                output.targeting(machine.name).say("Not created. Cannot push snapshot state.")
                continue
            }
            let name = "push_\(Int(Date().timeIntervalSince1970))_\(Int.random(in: 0..<10000))"
            try await saveSnapshot([machine.name], name: name, force: false)
        }
    }

    /// `pop`: back to the newest pushed snapshot, which is then deleted (unless `delete` is false).
    public func popSnapshot(_ names: [String], options: RestoreOptions, delete: Bool) async throws(MachineError) {
        for machine in try machines(names) {
            let (provider, context) = try context(for: machine)
            guard context.folder.id != nil else {
                output.targeting(machine.name).say("Not created. Cannot pop snapshot state.")
                continue
            }
            let pushed = try await provider.snapshots(context).map(\.name).filter(Self.isPushed)
            // The newest: the provider lists snapshots in the order they were taken (Vagrant sorts
            // the names, which mixes up two pushes within one second).
            guard let name = pushed.last else {
                output.targeting(machine.name).say(
                    "No pushed snapshot found!\n\nUse `boxer snapshot push` to push a snapshot to restore to.")
                continue
            }
            try await restoreSnapshot([machine.name], name: name, options: options)
            if delete { try await deleteSnapshot([machine.name], name: name) }
        }
    }

    static func isPushed(_ name: String) -> Bool {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "push" && Int(parts[1]) != nil && Int(parts[2]) != nil
    }
}
