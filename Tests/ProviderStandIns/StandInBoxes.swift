import BoxStore
import Foundation

/// Box folders in the layout of each hypervisor's boxes, for drivers that run against a
/// STAND-IN of their tool: the files the drivers and stand-ins look at (an OVF envelope, a
/// .vmx, a .pvm bundle), with empty disks, since no stand-in reads a disk.
enum StandInBoxes {
    static func make(format: String, in folder: URL, architecture: String = "amd64") throws -> BoxMatch {
        let path = folder.appendingPathComponent(format).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws {
            try FileManager.default.createDirectory(
                atPath: (path + "/" + name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
        try write("metadata.json", "{\"provider\": \"\(format)\", \"architecture\": \"\(architecture)\"}\n")
        switch format {
        case "virtualbox":
            try write(
                "box.ovf",
                "<?xml version=\"1.0\"?>\n<Envelope ovf:version=\"1.0\" xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"><VirtualSystem ovf:id=\"tiny\"/></Envelope>\n"
            )
            try write("box-disk001.vmdk", "")
        case "vmware_desktop":
            try write(
                "tiny.vmx",
                ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"19\"\ndisplayName = \"tiny\"\nguestOS = \"\(architecture == "arm64" ? "arm-other6xlinux-64" : "other6xlinux-64")\"\nmemsize = \"512\"\nnumvcpus = \"1\"\nsata0.present = \"TRUE\"\nsata0:0.present = \"TRUE\"\nsata0:0.fileName = \"disk.vmdk\"\nsata1.present = \"TRUE\"\nsata1:0.present = \"TRUE\"\nsata1:0.fileName = \"data.vmdk\"\nethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"e1000\"\nethernet0.pciSlotNumber = \"33\"\n"
            )
            try write("disk.vmdk", "")
        case "parallels":
            try write("box.pvm/config.pvs", "<?xml version=\"1.0\"?>\n<ParallelsVirtualMachine/>\n")
            try write("box.pvm/harddisk.hdd/DiskDescriptor.xml", "<Parallels_disk_image/>\n")
        default:
            break
        }
        return BoxMatch(name: "boxer/tiny", version: "0", architecture: architecture, provider: format, path: path)
    }
}
