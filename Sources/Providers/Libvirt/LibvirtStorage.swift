import BoxStore
import BoxerSupport
import Crypto
import Foundation
import Machines

/// The volumes of a libvirt host: its pool, the boxes uploaded into it once each, and the
/// machines' overlays, seeds and data disks.
extension LibvirtProvider {
    /// The machine's pool (`storage_pool_name`, default "boxer"), made as a directory pool
    /// when the host has none of that name, started when it is stopped.
    func pool(_ context: MachineContext, on connection: LibvirtConnection, host: LibvirtHost) throws(MachineError) -> LibvirtPool {
        let name = settings(context)["storage_pool_name"]?.string ?? "boxer"
        if let pool = try connection.pool(named: name) {
            try pool.activate()
            return pool
        }
        let parent = host.isSession ? NSHomeDirectory() + "/.local/share/libvirt/images" : "/var/lib/libvirt/images"
        do {
            return try connection.makeDirectoryPool(named: name, path: parent + "/" + name)
        } catch {
            // Another machine (of this boxer or another) made it meanwhile.
            guard let pool = try connection.pool(named: name) else { throw error }
            try pool.activate()
            return pool
        }
    }

    /// `boxer-box-<name>-<version>-<arch>-<sha256 prefix>.img`: a box is uploaded once per
    /// host and pool, and a box whose image changed under the same version is another volume.
    static func boxVolumeName(_ box: BoxMatch, architecture: String, digest: String) -> String {
        let name = box.name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        return "boxer-box-\(String(name))-\(box.version)-\(architecture)-\(digest.prefix(16)).img"
    }

    /// The box image's SHA-256, read once per image: kept in the home's cache under the
    /// image's path, size and modification time.
    func boxDigest(_ image: String) throws(MachineError) -> String {
        var status = stat()
        guard stat(image, &status) == 0 else { throw MachineError.cannotRead(image) }
        let stamp = "\(image)|\(status.st_size)|\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        let cache = home.cache.path + "/libvirt-box-digests"
        let entry = cache + "/" + SSHTunnels.hash(stamp)
        if let text = try? HostFiles.readText(at: entry, limit: 4096) {
            let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            if parts.count >= 2, parts[0] == stamp { return String(parts[1]) }
        }
        guard let handle = FileHandle(forReadingAtPath: image) else { throw MachineError.cannotRead(image) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 8 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        try? PrivateFiles.makeFolders(cache)
        try? PrivateFiles.writeAtomically(entry, stamp + "\n" + digest + "\n")
        return digest
    }

    /// The box's volume on the host, uploaded when missing: as a sparse stream into a volume
    /// with a temporary name, copied to its own name only once complete, so a box volume under
    /// its real name is always whole. A failed or interrupted upload leaves no volume behind.
    func boxVolume(
        _ box: BoxMatch, architecture: String, image: String, pool: LibvirtPool, cancel: UploadCancel
    ) throws(MachineError) -> LibvirtVolume {
        let name = Self.boxVolumeName(box, architecture: architecture, digest: try boxDigest(image))
        pool.refresh()
        if let volume = try pool.volume(named: name) { return volume }
        let partial = name + ".part-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        guard let size = Self.virtualSize(image) else { throw MachineError.cannotRead(image) }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: image)[.size] as? NSNumber)?.uint64Value ?? size
        let temporary = try pool.createVolume(Self.volumeXML(name: partial, capacity: fileSize, format: "qcow2"), named: partial)
        do throws(MachineError) {
            try temporary.upload(image, cancel: cancel)
            // Another boxer may have finished the same box meanwhile: that one is used.
            if let done = try pool.volume(named: name) {
                try? temporary.delete()
                return done
            }
            let volume: LibvirtVolume
            do {
                volume = try pool.createVolume(Self.volumeXML(name: name, capacity: size, format: "qcow2"), from: temporary, named: name)
            } catch {
                // The same box finished by another upload between the look and the copy.
                guard let done = try pool.volume(named: name) else { throw error }
                volume = done
            }
            try? temporary.delete()
            return volume
        } catch {
            try? temporary.delete()
            throw error
        }
    }

    /// A new volume's XML; `backing`: the path of the image it is an overlay of.
    static func volumeXML(name: String, capacity: UInt64, format: String, backing: String? = nil) -> String {
        var xml = "<volume><name>\(XMLText.escape(name))</name><capacity unit=\"bytes\">\(capacity)</capacity>"
        xml += "<target><format type=\"\(format)\"/><permissions><mode>0600</mode></permissions></target>"
        if let backing { xml += "<backingStore><path>\(XMLText.escape(backing))</path><format type=\"qcow2\"/></backingStore>" }
        return xml + "</volume>"
    }

    /// A qcow2 image's virtual size from its header (bytes 24..<32, big-endian), nil when the
    /// file is not qcow2.
    static func virtualSize(_ image: String) -> UInt64? {
        guard let handle = FileHandle(forReadingAtPath: image) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 32), header.count == 32, header.prefix(4) == Data([0x51, 0x46, 0x49, 0xfb]) else {
            return nil
        }
        return header[24..<32].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Uploads a local file (the NoCloud seed) as a raw volume, replacing one of that name.
    func uploadFile(_ file: String, as name: String, pool: LibvirtPool) throws(MachineError) {
        if let old = try pool.volume(named: name) { try old.delete() }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
        let volume = try pool.createVolume(Self.volumeXML(name: name, capacity: size, format: "raw"), named: name)
        do throws(MachineError) {
            try volume.upload(file, cancel: UploadCancel())
        } catch {
            try? volume.delete()
            throw error
        }
    }
}
