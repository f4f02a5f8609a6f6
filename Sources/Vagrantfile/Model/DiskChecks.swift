import BoxerSupport
import Foundation

/// Vagrant's checks of `config.vm.disk` (VagrantConfigDisk#validate and the VM's own), in its
/// words, each naming the line that made the disk. Vagrant 2.3.4 reads disks only with
/// `VAGRANT_EXPERIMENTAL=disks`, and then refuses bad ones when it validates; boxer always
/// makes disks, so without the flag a bad one is warned about by `validate` and refused by
/// `up` before anything is made.
enum DiskChecks {
    static let types: Set<String> = ["disk", "dvd", "floppy"]

    static func check(name machine: String, draft: MachineDraft, collector: ConfigurationCollector) {
        guard case .array(let entries)? = draft.vm["disks"] else { return }
        let fallback = SourceLocation(file: "Vagrantfile", line: 0, column: 0)
        func problem(_ message: String, at location: SourceLocation) {
            if collector.experimentalDisks {
                collector.problem("vm", message, at: location)
            } else {
                collector.startProblem("config.vm.disk: \(message)", at: location)
            }
        }
        var names: [(String, SourceLocation)] = []
        var files: [(String, SourceLocation)] = []
        var primaries = 0
        for (index, entry) in entries.enumerated() {
            guard case .object(let fields) = entry else { continue }
            let location = draft.diskLocations.indices.contains(index) ? draft.diskLocations[index] : fallback
            let type = fields["type"]?.string ?? "disk"
            let primary = fields["primary"]?.bool ?? false
            // Vagrant turns what a file name cannot hold into "_", and names a primary disk itself.
            let name =
                fields["name"]?.string.map {
                    String($0.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
                }
                ?? (primary ? "vagrant_primary" : nil)
            if !types.contains(type) {
                problem(
                    "Disk type '\(type)' is not a valid type. Please pick one of the following supported disk types: disk, dvd, floppy",
                    at: location)
            }
            if type == "disk", fields["size"]?.byteCount == nil {
                problem("Config option 'size' for disk '\(name ?? "")' on guest '\(machine)' is not an integer", at: location)
            }
            if type == "dvd", fields["file"] == nil || fields["file"] == .null {
                problem("A 'file' option is required when defining a disk of type ':dvd' for guest '\(machine)'.", at: location)
            }
            if type == "dvd", primary {
                problem(
                    "Disks of type ':dvd' cannot be defined as a primary disks. Please\nremove the 'primary' argument for disk '\(name ?? "")' on guest '\(machine)'.",
                    at: location)
            }
            if let file = fields["file"], file != .null {
                if case .string(let path) = file {
                    let absolute = HostFiles.absolute((path as NSString).expandingTildeInPath, relativeTo: collector.root)
                    if HostFiles.kind(of: absolute) != .regular {
                        problem("Disk file '\(path)' for disk '\(name ?? "")' on machine '\(machine)' does not exist.", at: location)
                    }
                    files.append((path, location))
                } else {
                    problem("Disk config option 'file' for '\(machine)' is not a string.", at: location)
                }
            }
            if let name {
                names.append((name, location))
            } else {
                problem("A 'name' option is required when defining a disk for guest '\(machine)'.", at: location)
            }
            if primary && type == "disk" { primaries += 1 }
        }
        let first = draft.diskLocations.first ?? fallback
        if primaries > 1 {
            problem(
                "There are more than one primary disks defined for guest '\(machine)'. Please ensure that only one disk has been defined as a primary disk.",
                at: first)
        }
        for (kind, list, rule) in [
            ("disks names", names, "Disk names must be unique."),
            ("disk files", files, "Each disk file may only be attached to a VM once."),
        ] {
            let values = list.map(\.0)
            let repeated = values.enumerated().filter { index, value in values.firstIndex(of: value) != index }.map(\.element)
            guard let again = repeated.first, let place = list.last(where: { $0.0 == again })?.1 else { continue }
            var unique: [String] = []
            for value in repeated where !unique.contains(value) { unique.append(value) }
            problem(
                "The following \(kind) are defined multiple times in the disk\nconfiguration for the VM '\(machine)':\n\n\(unique.joined(separator: "\n"))\n\n\(rule)",
                at: place)
        }
    }
}

extension ConfigValue {
    /// A size as Vagrant's Numeric.string_to_bytes reads it: "10GB", "512 MB", "1TB" (powers
    /// of 1024); an integer is bytes. nil for anything else, or for zero or less.
    public var byteCount: Int64? {
        if case .int(let number) = self { return number > 0 ? Int64(number) : nil }
        guard let text = string?.trimmingCharacters(in: .whitespaces).uppercased() else { return nil }
        for (suffix, factor) in [("TB", Int64(1) << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where text.hasSuffix(suffix) {
            return Int64(text.dropLast(2).trimmingCharacters(in: .whitespaces)).flatMap { $0 > 0 ? $0 * factor : nil }
        }
        return Int64(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
