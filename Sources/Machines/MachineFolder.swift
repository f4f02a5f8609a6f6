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

    public func read(_ name: String) -> String? {
        guard let text = try? HostFiles.readText(at: file(name), limit: 1 << 20) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Writes a file whole (temporary name, then rename), so a reader never sees half of it.
    public func write(_ name: String, _ text: String, mode: Int = 0o644) throws(MachineError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let target = file(name)
            let temporary = target + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                throw MachineError(.io, "cannot write \(temporary)")
            }
            guard rename(temporary, target) == 0 else { throw MachineError(.io, "cannot write \(target): \(String(cString: strerror(errno)))") }
        } catch let error as MachineError {
            throw error
        } catch {
            throw MachineError(.io, "cannot write \(file(name)): \(error.localizedDescription)")
        }
    }

    public func remove(_ name: String) {
        unlink(file(name))
    }

    /// The hypervisor's id for the machine; nil when it is not created.
    public var id: String? { read("id") }
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
