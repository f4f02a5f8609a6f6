import BoxerSupport
import Crypto
import Foundation
import Machines

/// The box volumes boxer has put on libvirt hosts, one small JSON file each under the home's
/// `data/libvirt-box-volumes`, so that `boxer box remove` removes a box from every host it was
/// uploaded to as well as from the box store. A volume is recorded each time a machine is made
/// from it, so one uploaded by an earlier boxer is recorded at its next use.
public struct LibvirtBoxUploads: Sendable {
    /// One box volume on one host.
    public struct Upload: Codable, Sendable, Equatable {
        public var uri: String
        public var pool: String
        public var volume: String
        /// The installed box's provider folder (`BoxMatch.path`), which names the box exactly.
        public var boxPath: String
    }

    let folder: String

    public init(home: BoxerHome) {
        folder = home.data.path + "/libvirt-box-volumes"
    }

    func file(_ upload: Upload) -> String {
        let key = Array((upload.uri + "\n" + upload.pool + "\n" + upload.volume).utf8)
        return folder + "/" + SHA256.hash(data: key).prefix(16).map { String(format: "%02x", $0) }.joined() + ".json"
    }

    /// Records a volume; a record that cannot be written only costs a manual removal later.
    func record(_ upload: Upload) {
        guard let json = try? JSONEncoder().encode(upload) else { return }
        try? PrivateFiles.makeFolders(folder)
        try? PrivateFiles.writeAtomically(file(upload), Array(json))
    }

    func forget(_ upload: Upload) { unlink(file(upload)) }

    /// The recorded volumes of the box installed at `boxPath`.
    public func uploads(ofBoxAt boxPath: String) -> [Upload] {
        let wanted = URL(fileURLWithPath: boxPath).standardizedFileURL.path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.sorted().compactMap { name -> Upload? in
            guard name.hasSuffix(".json"), let text = try? HostFiles.readText(at: folder + "/" + name, limit: 64 << 10),
                let upload = try? JSONDecoder().decode(Upload.self, from: Data(text.utf8))
            else { return nil }
            return URL(fileURLWithPath: upload.boxPath).standardizedFileURL.path == wanted ? upload : nil
        }
    }

    /// Deletes the box's volumes from their hosts; a volume already gone counts as removed.
    /// A host that cannot be reached keeps its record (the same box added again and removed
    /// again tries once more); the failures say how to delete those volumes by hand.
    public func removeVolumes(ofBoxAt boxPath: String) async -> (removed: [Upload], failed: [(Upload, MachineError)]) {
        var removed: [Upload] = []
        var failed: [(Upload, MachineError)] = []
        for upload in uploads(ofBoxAt: boxPath) {
            let outcome = await onDedicatedThread { () throws(MachineError) -> Bool in
                let connection = try LibvirtConnection.open(upload.uri)
                guard let pool = try connection.pool(named: upload.pool) else { return false }
                pool.refresh()
                guard let volume = try pool.volume(named: upload.volume) else { return false }
                try volume.delete()
                return true
            }
            switch outcome {
            case .success(let deleted):
                if deleted { removed.append(upload) }
                forget(upload)
            case .failure(let error):
                failed.append((upload, error))
            }
        }
        return (removed, failed)
    }
}
