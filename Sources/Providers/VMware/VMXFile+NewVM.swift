/// The `.vmx` a VMware box holds, written here beside `VMXFile`, which reads and edits it.
extension VMXFile {
    /// VMware's guestOS for the VM.
    static func guestOS(_ vm: NewVM) -> String {
        let arm = vm.arm64
        switch vm.osFamily.lowercased() {
        case "ubuntu": return arm ? "arm-ubuntu-64" : "ubuntu-64"
        case "debian":
            return arm ? "arm-debian\(vm.osRelease.prefix { $0.isNumber })-64" : "debian\(vm.osRelease.prefix { $0.isNumber })-64"
        case "centos", "rhel", "rocky", "almalinux": return arm ? "arm-rhel9-64" : "centos\(vm.osRelease.prefix { $0.isNumber })-64"
        default: return arm ? "arm-other6xlinux-64" : "other6xlinux-64"
        }
    }

    /// A `.vmx` for one VM: the disk on SATA (NVMe on arm64, which has no SATA there), NAT,
    /// UEFI when the template says so (always on arm64).
    public static func newVM(_ vm: NewVM, disk: String) -> String {
        let arm = vm.arm64
        let controller = arm ? "nvme0" : "sata0"
        var lines = [
            ".encoding = \"UTF-8\"",
            "config.version = \"8\"",
            "virtualHW.version = \"\(arm ? 20 : 19)\"",
            "displayName = \"\(vm.name)\"",
            "guestOS = \"\(guestOS(vm))\"",
            "memsize = \"\(vm.memoryMiB)\"",
            "numvcpus = \"\(vm.cpus)\"",
            "\(controller).present = \"TRUE\"",
            "\(controller):0.present = \"TRUE\"",
            "\(controller):0.fileName = \"\(disk)\"",
            "ethernet0.present = \"TRUE\"",
            "ethernet0.connectionType = \"nat\"",
            "ethernet0.virtualDev = \"\(arm ? "e1000e" : "vmxnet3")\"",
            "ethernet0.addressType = \"generated\"",
            "tools.syncTime = \"TRUE\"",
        ]
        if vm.efi { lines.append("firmware = \"efi\"") }
        return lines.joined(separator: "\n") + "\n"
    }
}
