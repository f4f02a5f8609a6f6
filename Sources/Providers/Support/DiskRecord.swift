import Foundation
import Machines

/// What a provider has already done for a machine's `config.vm.disk` entries, kept in the
/// machine's folder (`disks`), so each start does only what is new: a disk added to the
/// Vagrantfile later is made then, and the primary disk is grown once per size.
struct DiskRecord: Equatable {
    var dataDisks: Set<String> = []
    var images: Set<String> = []
    var primaryBytes: Int64?

    static let fileName = "disks"

    init(_ folder: MachineFolder) {
        for line in (folder.read(Self.fileName) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "data": dataDisks.insert(parts[1])
            case "image": images.insert(parts[1])
            case "primary": primaryBytes = Int64(parts[1])
            default: continue
            }
        }
    }

    func write(to folder: MachineFolder) throws(MachineError) {
        var lines = dataDisks.sorted().map { "data \($0)" } + images.sorted().map { "image \($0)" }
        if let primaryBytes { lines.append("primary \(primaryBytes)") }
        try folder.write(Self.fileName, lines.joined(separator: "\n") + "\n")
    }
}
