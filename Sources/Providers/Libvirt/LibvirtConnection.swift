import BoxerSupport
import CLibvirt
import Foundation
import Machines

/// One connection to a libvirt daemon, local or remote (`qemu+ssh://`), over libvirt's C API.
/// Every call blocks on a round trip to the daemon, so callers run them with `blocking`, off the
/// threads that carry every machine's work. libvirt's connections and objects are thread-safe
/// and reference-counted: each Swift object frees its handle when released.
final class LibvirtConnection: @unchecked Sendable {
    let api: UnsafePointer<boxer_libvirt_api>
    let handle: virConnectPtr
    let uri: String

    private init(api: UnsafePointer<boxer_libvirt_api>, handle: virConnectPtr, uri: String) {
        self.api = api
        self.handle = handle
        self.uri = uri
    }

    deinit { _ = api.pointee.virConnectClose(handle) }

    /// libvirt's functions, loaded on first use (CLibvirt.h says why).
    static func library() throws(MachineError) -> UnsafePointer<boxer_libvirt_api> {
        var failure = [CChar](repeating: 0, count: 512)
        guard let api = boxer_libvirt_load(&failure, failure.count) else {
            throw MachineError.libvirtMissing(String(decoding: failure.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return api
    }

    /// Connects; for `qemu+ssh://` this runs OpenSSH, which reads the user's ssh config.
    static func open(_ uri: String) throws(MachineError) -> LibvirtConnection {
        let api = try library()
        guard let handle = api.pointee.virConnectOpen(uri) else {
            throw MachineError.libvirtCannotConnect(uri, lastError(api))
        }
        return LibvirtConnection(api: api, handle: handle, uri: uri)
    }

    /// The text of libvirt's last error on this thread.
    static func lastError(_ api: UnsafePointer<boxer_libvirt_api>) -> String {
        guard let error = api.pointee.virGetLastError(), let message = error.pointee.message else { return "unknown libvirt error" }
        return String(cString: message)
    }

    /// libvirt's error code for the last failure on this thread (`VIR_ERR_NO_DOMAIN`…).
    func lastErrorCode() -> Int32 { api.pointee.virGetLastError()?.pointee.code ?? 0 }

    func lastError() -> String { Self.lastError(api) }

    /// Fails with what libvirt said when `status` is negative. `what` is worked out only after
    /// the error is read: every libvirt call (a name looked up for the message) clears it.
    func check(_ status: Int32, _ what: @autoclosure () -> String) throws(MachineError) {
        guard status < 0 else { return }
        let said = lastError()
        throw MachineError.libvirtFailed(what(), uri: uri, said: said)
    }

    /// The error for a failed call that returned no object, read before `what` is worked out.
    func failure(_ what: @autoclosure () -> String) -> MachineError {
        let said = lastError()
        return MachineError.libvirtFailed(what(), uri: uri, said: said)
    }

    // MARK: The host

    func capabilities() throws(MachineError) -> String {
        guard let xml = api.pointee.virConnectGetCapabilities(handle) else {
            throw failure("read the host's capabilities")
        }
        defer { free(xml) }
        return String(cString: xml)
    }

    /// Whether the host runs `arch` guests with `virtType` ("kvm" or "qemu"), from libvirt's
    /// domain capabilities; nil when libvirt cannot say.
    func domainCapabilities(arch: String, virtType: String, machine: String?) -> String? {
        guard let xml = api.pointee.virConnectGetDomainCapabilities(handle, nil, arch, machine, virtType, 0) else {
            api.pointee.virResetLastError()
            return nil
        }
        defer { free(xml) }
        return String(cString: xml)
    }

    /// Free memory in bytes (0 when libvirt cannot tell).
    func freeMemory() -> UInt64 {
        let bytes = api.pointee.virNodeGetFreeMemory(handle)
        if bytes == 0 { api.pointee.virResetLastError() }
        return UInt64(bytes)
    }

    /// libvirt's version on the host ("9.0.0"), nil when it does not say.
    func libraryVersion() -> String? {
        var version: UInt = 0
        guard api.pointee.virConnectGetLibVersion(handle, &version) == 0 else { return nil }
        return "\(version / 1_000_000).\(version / 1000 % 1000).\(version % 1000)"
    }

    // MARK: Storage

    func pool(named name: String) throws(MachineError) -> LibvirtPool? {
        guard let pool = api.pointee.virStoragePoolLookupByName(handle, name) else {
            if lastErrorCode() == Int32(VIR_ERR_NO_STORAGE_POOL.rawValue) { return nil }
            throw failure("look up the storage pool '\(name)'")
        }
        return LibvirtPool(connection: self, handle: pool, name: name)
    }

    /// Defines, builds and starts a directory pool (marked to start with libvirtd).
    func makeDirectoryPool(named name: String, path: String) throws(MachineError) -> LibvirtPool {
        let xml = "<pool type='dir'><name>\(XMLText.escape(name))</name><target><path>\(XMLText.escape(path))</path></target></pool>"
        guard let handle = api.pointee.virStoragePoolDefineXML(self.handle, xml, 0) else {
            throw failure("define the storage pool '\(name)' at \(path)")
        }
        let pool = LibvirtPool(connection: self, handle: handle, name: name)
        try check(api.pointee.virStoragePoolBuild(handle, 0), "make the folder of the storage pool '\(name)' (\(path))")
        try pool.activate()
        _ = api.pointee.virStoragePoolSetAutostart(handle, 1)
        return pool
    }

    // MARK: Domains

    func domain(uuid: String) throws(MachineError) -> LibvirtDomain? {
        guard let domain = api.pointee.virDomainLookupByUUIDString(handle, uuid) else {
            if lastErrorCode() == Int32(VIR_ERR_NO_DOMAIN.rawValue) { return nil }
            throw failure("look up the domain \(uuid)")
        }
        return LibvirtDomain(connection: self, handle: domain)
    }

    /// Defines (or redefines, same name and UUID) a persistent domain.
    func define(_ xml: String) throws(MachineError) -> LibvirtDomain {
        guard let domain = api.pointee.virDomainDefineXML(handle, xml) else {
            throw failure("define the domain")
        }
        return LibvirtDomain(connection: self, handle: domain)
    }
}

/// Runs blocking libvirt calls on a thread of their own (see `LibvirtConnection`).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(MachineError) -> T) async throws(MachineError) -> T {
    try await onDedicatedThread(body).get()
}
