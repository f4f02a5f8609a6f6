import BoxerSupport
import Foundation

/// A machine's folder, `.vagrant/machines/<name>/<provider>/`, with Vagrant's files in it
/// (`id`, `index_uuid`, `private_key`, `box_meta`, `action_provision`, `creator_uid`,
/// `vagrant_cwd`) and the provider's own next to them. Plain files, as Vagrant keeps them, so
/// `vagrant status` in the same project reads the same machines.
public struct MachineFolder: Sendable, Equatable {
    public let path: String
    public let machineName: String
    public let provider: String
    /// The project folder (where the Vagrantfile is).
    public let projectRoot: String

    public init(projectRoot: String, machineName: String, provider: String) {
        self.projectRoot = projectRoot
        self.machineName = machineName
        self.provider = provider
        self.path = projectRoot + "/.vagrant/machines/" + machineName + "/" + provider
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Whether `name` can be a machine's or provider's folder: one path component that is not
    /// `.` or `..` (names read back from the machine index are checked before they make a path).
    public static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    /// Whether any machine of the project has an `id` entry (a damaged one too).
    public static func anyRecorded(inProject root: String) -> Bool {
        let machines = root + "/.vagrant/machines"
        return HostFiles.entries(of: machines).contains { machine in
            HostFiles.entries(of: machines + "/" + machine).contains { provider in
                MachineIDForm.isRecorded(machines + "/" + machine + "/" + provider + "/id")
            }
        }
    }

    /// Whether any machine of the project may exist: it has an id file (even a damaged one) or
    /// a QEMU pidfile (a QEMU whose id file is gone). When neither is there, every machine is
    /// "not created" without asking a provider: a `.vagrant/machines` that only Vagrant's own
    /// runs left (`vagrant status` makes its machines' folders) is not a reason to.
    /// A folder that cannot be listed counts as in use: the providers are asked then.
    public static func anyInUse(inProject root: String) -> Bool {
        let machines = root + "/.vagrant/machines"
        guard let names = HostFiles.listing(of: machines) else { return true }
        return names.contains { machine in
            guard let providers = HostFiles.listing(of: machines + "/" + machine) else { return true }
            return providers.contains { provider in
                let folder = machines + "/" + machine + "/" + provider
                return MachineIDForm.isRecorded(folder + "/id") || HostFiles.kind(of: folder + "/qemu.pid") != nil
            }
        }
    }

    public func read(_ name: String) -> String? {
        guard let text = try? HostFiles.readText(at: file(name), limit: 1 << 20) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Writes a file whole (temporary name, then rename), so a reader never sees half of it;
    /// the folders up to it are made 0700 and the file 0600, whatever the umask.
    public func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws(MachineError) {
        do {
            try PrivateFiles.makeFolders(path)
            try PrivateFiles.writeAtomically(file(name), text, mode: mode)
        } catch {
            throw MachineError.passing(error, as: .io)
        }
    }

    public func remove(_ name: String) {
        unlink(file(name))
    }

    /// The hypervisor's id for the machine, when the `id` file holds a line of text; nil when
    /// it is absent or unreadable. Its provider checks its form (`Provider.checkID`) before
    /// `MachineEnvironment` hands the folder to anything that acts on it.
    public var id: String? {
        if case .present(let id) = recordedID { return id }
        return nil
    }

    /// What the `id` file says, unreadable files included.
    public var recordedID: RecordedID { MachineIDForm.read(file("id")) }
    /// The machine's entry in the global index.
    public var indexUUID: String? { read("index_uuid") }
    public var privateKey: String { file("private_key") }
    public var exists: Bool { HostFiles.kind(of: path) == .directory }

    /// Removes the whole folder, and the machine's folder above it when that is left empty.
    public func removeAll() {
        try? FileManager.default.removeItem(atPath: path)
        let machineFolder = HostFiles.parent(of: path)
        if (try? FileManager.default.contentsOfDirectory(atPath: machineFolder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: machineFolder)
        }
    }

    /// A stable locally administered MAC address for one of the machine's NICs, derived from
    /// its id (52:54:00 is QEMU's prefix; other providers take it as given).
    public static func mac(for id: String, nic: Int) -> String {
        let hash = StableHash.fnv1a(id + "/\(nic)")
        return String(format: "52:54:00:%02x:%02x:%02x", (hash >> 16) & 0xff, (hash >> 8) & 0xff, hash & 0xff)
    }
}
