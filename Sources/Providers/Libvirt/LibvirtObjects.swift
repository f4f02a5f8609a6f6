import CLibvirt
import Foundation
import Machines

/// A storage pool on a libvirt host.
final class LibvirtPool: @unchecked Sendable {
    let connection: LibvirtConnection
    let handle: virStoragePoolPtr
    let name: String

    init(connection: LibvirtConnection, handle: virStoragePoolPtr, name: String) {
        self.connection = connection
        self.handle = handle
        self.name = name
    }

    deinit { _ = connection.api.pointee.virStoragePoolFree(handle) }

    private var api: boxer_libvirt_api { connection.api.pointee }

    /// Starts a defined pool that is not running (a pool left inactive after a host restart).
    func activate() throws(MachineError) {
        if api.virStoragePoolIsActive(handle) == 1 { return }
        // Another machine may start it between the look and the start: that is as good.
        if api.virStoragePoolCreate(handle, 0) < 0, api.virStoragePoolIsActive(handle) != 1 {
            throw connection.failure("start the storage pool '\(name)'")
        }
    }

    /// Re-reads the pool's folder (volumes another client made).
    func refresh() { _ = api.virStoragePoolRefresh(handle, 0) }

    func volume(named volume: String) throws(MachineError) -> LibvirtVolume? {
        guard let found = api.virStorageVolLookupByName(handle, volume) else {
            if connection.lastErrorCode() == Int32(VIR_ERR_NO_STORAGE_VOL.rawValue) { return nil }
            throw connection.failure("look up the volume '\(volume)' in pool '\(name)'")
        }
        return LibvirtVolume(connection: connection, handle: found)
    }

    /// Creates a volume from its XML; `from`: a volume whose content it copies.
    func createVolume(_ xml: String, from source: LibvirtVolume? = nil, named volume: String) throws(MachineError) -> LibvirtVolume {
        let made =
            if let source { api.virStorageVolCreateXMLFrom(handle, xml, source.handle, 0) } else {
                api.virStorageVolCreateXML(handle, xml, 0)
            }
        guard let made else {
            throw connection.failure("create the volume '\(volume)' in pool '\(name)'")
        }
        return LibvirtVolume(connection: connection, handle: made)
    }

    /// The names of the pool's volumes.
    func volumeNames() throws(MachineError) -> [String] {
        var list: UnsafeMutablePointer<virStorageVolPtr?>?
        let count = api.virStoragePoolListAllVolumes(handle, &list, 0)
        try connection.check(count, "list the volumes of pool '\(name)'")
        guard let list else { return [] }
        defer { free(list) }
        var names: [String] = []
        for index in 0..<Int(count) {
            guard let volume = list[index] else { continue }
            if let name = api.virStorageVolGetName(volume) { names.append(String(cString: name)) }
            _ = api.virStorageVolFree(volume)
        }
        return names
    }
}

/// A volume (a disk image file) in a storage pool.
final class LibvirtVolume: @unchecked Sendable {
    let connection: LibvirtConnection
    let handle: virStorageVolPtr

    init(connection: LibvirtConnection, handle: virStorageVolPtr) {
        self.connection = connection
        self.handle = handle
    }

    deinit { _ = connection.api.pointee.virStorageVolFree(handle) }

    var name: String {
        connection.api.pointee.virStorageVolGetName(handle).map { String(cString: $0) } ?? ""
    }

    /// The volume's path on its host.
    func path() throws(MachineError) -> String {
        guard let path = connection.api.pointee.virStorageVolGetPath(handle) else {
            throw connection.failure("read the path of volume '\(name)'")
        }
        defer { free(path) }
        return String(cString: path)
    }

    /// Capacity (the disk's virtual size) in bytes.
    func capacity() -> UInt64? {
        var info = virStorageVolInfo()
        return connection.api.pointee.virStorageVolGetInfo(handle, &info) == 0 ? UInt64(info.capacity) : nil
    }

    func delete() throws(MachineError) {
        try connection.check(connection.api.pointee.virStorageVolDelete(handle, 0), "delete the volume '\(name)'")
    }

    /// Sends a local file into the volume as a sparse stream; stops early when `cancel` is set.
    func upload(_ file: String, cancel: UploadCancel) throws(MachineError) {
        var sent: Int64 = 0
        let status = withUnsafeMutablePointer(to: &sent) { sent in
            boxer_libvirt_upload(connection.api, connection.handle, handle, file, cancel.flag, sent)
        }
        if cancel.isSet { throw MachineError.interruptedUpload(name) }
        if status < 0 {
            throw connection.failure("upload \(file) into the volume '\(name)'")
        }
    }
}

extension LibvirtVolume {
    /// Writes the volume into a new local file as a sparse stream; stops early when `cancel`
    /// is set. A partial file is removed.
    func download(to file: String, cancel: UploadCancel) throws(MachineError) {
        let status = boxer_libvirt_download(connection.api, connection.handle, handle, file, cancel.flag)
        if status < 0 || cancel.isSet {
            let error =
                cancel.isSet ? MachineError.interruptedDownload(name) : connection.failure("download the volume '\(name)' to \(file)")
            unlink(file)
            throw error
        }
    }
}

/// A flag that ends an upload in progress (Ctrl-C, a cancelled task), read by libvirt's stream
/// callbacks on the uploading thread.
final class UploadCancel: @unchecked Sendable {
    let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    init() { flag.initialize(to: 0) }
    deinit { flag.deallocate() }
    func set() { flag.pointee = 1 }
    var isSet: Bool { flag.pointee != 0 }
}

/// A libvirt domain (one machine).
final class LibvirtDomain: @unchecked Sendable {
    let connection: LibvirtConnection
    let handle: virDomainPtr

    init(connection: LibvirtConnection, handle: virDomainPtr) {
        self.connection = connection
        self.handle = handle
    }

    deinit { _ = connection.api.pointee.virDomainFree(handle) }

    var api: boxer_libvirt_api { connection.api.pointee }

    var name: String { api.virDomainGetName(handle).map { String(cString: $0) } ?? "" }

    /// libvirt's state (`VIR_DOMAIN_RUNNING`…) and its reason.
    func state() throws(MachineError) -> (state: virDomainState, reason: Int32) {
        var state: Int32 = 0
        var reason: Int32 = 0
        try connection.check(api.virDomainGetState(handle, &state, &reason, 0), "read the state of domain '\(name)'")
        return (virDomainState(UInt32(state)), reason)
    }

    func xml() throws(MachineError) -> String {
        guard let xml = api.virDomainGetXMLDesc(handle, 0) else {
            throw connection.failure("read the definition of domain '\(name)'")
        }
        defer { free(xml) }
        return String(cString: xml)
    }

    func start() throws(MachineError) { try connection.check(api.virDomainCreate(handle), "start domain '\(name)'") }
    /// ACPI power button.
    func shutdown() throws(MachineError) { try connection.check(api.virDomainShutdown(handle), "shut down domain '\(name)'") }
    /// Pulls the plug.
    func destroy() throws(MachineError) { try connection.check(api.virDomainDestroy(handle), "power off domain '\(name)'") }
    func suspend() throws(MachineError) { try connection.check(api.virDomainSuspend(handle), "pause domain '\(name)'") }
    func resume() throws(MachineError) { try connection.check(api.virDomainResume(handle), "resume domain '\(name)'") }

    /// Removes the definition, its UEFI variables and its snapshots' metadata.
    func undefine() throws(MachineError) {
        let flags = VIR_DOMAIN_UNDEFINE_NVRAM.rawValue | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue
        try connection.check(api.virDomainUndefineFlags(handle, flags), "undefine domain '\(name)'")
    }
}
