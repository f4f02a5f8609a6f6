/// What a box's VM descriptor says about the machine, whatever the hypervisor: `boxer build`
/// fills it from the template and each provider's descriptor writer (`OVFDescriptor`,
/// `VMXFile.newVM`, `ParallelsBundle`) turns it into that hypervisor's file, next to the code
/// that reads the same file back.
public struct NewVM: Sendable, Equatable {
    public var name: String
    /// `debian`, `ubuntu`, `centos`...: the guest OS type each hypervisor is told.
    public var osFamily: String
    public var osRelease: String
    public var arm64: Bool
    public var efi: Bool
    public var cpus: Int
    public var memoryMiB: Int
    public var diskBytes: UInt64
    public var description: String?

    public init(
        name: String, osFamily: String, osRelease: String, arm64: Bool, efi: Bool, cpus: Int, memoryMiB: Int, diskBytes: UInt64,
        description: String? = nil
    ) {
        self.name = name
        self.osFamily = osFamily
        self.osRelease = osRelease
        self.arm64 = arm64
        self.efi = efi
        self.cpus = max(cpus, 1)
        self.memoryMiB = max(memoryMiB, 512)
        self.diskBytes = diskBytes
        self.description = description
    }

    /// Text for an XML attribute or element.
    static func xmlEscaped(_ text: String) -> String {
        XMLText.escape(text)
    }
}
