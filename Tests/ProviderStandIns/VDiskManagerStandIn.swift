import Foundation
import Machines
import Providers

/// A STAND-IN for VMware's `vmware-vdiskmanager`, not VMware (which cannot be installed on the
/// machines these tests run on). It records every call and keeps each disk's size; it refuses
/// what the tool refuses according to its usage text: an unknown option, a size without a
/// unit, an adapter or type it does not have, creating over an existing file, expanding a
/// disk that does not exist, that is a linked clone's delta (its descriptor names a parent),
/// or to a smaller size. Output and exit status imitate the tool's.
final class VDiskManagerStandIn: HypervisorTool, @unchecked Sendable {
    let name = "vmware-vdiskmanager"
    private let lock = NSLock()
    private(set) var calls: [[String]] = []
    /// Sizes in bytes by path; a disk the tool did not make counts as the box's 20 GiB.
    private(set) var sizes: [String: Int64] = [:]

    struct Refusal: Error { let text: String }

    func run(_ arguments: [String]) async throws(MachineError) -> Programs.Result {
        lock.withLock {
            calls.append(arguments)
            do throws(Refusal) {
                return Programs.Result(status: 0, output: try perform(arguments), error: "")
            } catch {
                return Programs.Result(status: 1, output: error.text + "\n", error: "")
            }
        }
    }

    static func bytes(_ size: String) -> Int64? {
        let units: [(String, Int64)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)]
        for (unit, factor) in units where size.hasSuffix(unit) {
            return Int64(size.dropLast(2)).map { $0 * factor }
        }
        return nil
    }

    private func perform(_ arguments: [String]) throws(Refusal) -> String {
        guard let operation = arguments.first else {
            throw Refusal(text: "VMware Virtual Disk Manager - usage: vmware-vdiskmanager [options] <disk-name>")
        }
        switch operation {
        case "-c":
            var options: [String: String] = [:]
            // Option pairs, then the disk last.
            var index = 1
            while index < arguments.count - 1 {
                guard index + 1 < arguments.count - 1, ["-s", "-a", "-t"].contains(arguments[index]) else {
                    throw Refusal(text: "Invalid option: \(arguments[index])")
                }
                options[arguments[index]] = arguments[index + 1]
                index += 2
            }
            guard let disk = arguments.last, disk.hasSuffix(".vmdk") else {
                throw Refusal(text: "Invalid disk name: the disk must be the last argument and end in .vmdk")
            }
            guard let size = options["-s"].flatMap(Self.bytes) else { throw Refusal(text: "Invalid size: give a number with KB, MB or GB") }
            guard let adapter = options["-a"], ["ide", "buslogic", "lsilogic"].contains(adapter) else {
                throw Refusal(text: "Invalid adapter type: use ide, buslogic or lsilogic")
            }
            guard let type = options["-t"].flatMap(Int.init), (0...6).contains(type) else { throw Refusal(text: "Invalid disk type (0-6)") }
            guard !FileManager.default.fileExists(atPath: disk) else {
                throw Refusal(text: "Creating disk '\(disk)'\nFailed to create disk: The file already exists (0x...)")
            }
            _ = FileManager.default.createFile(
                atPath: disk, contents: Data("# Disk DescriptorFile\ncreateType=\"monolithicSparse\"\n".utf8))
            sizes[disk] = size
            return "Creating disk '\(disk)'\n  Create: 100% done.\nVirtual disk creation successful."
        case "-x":
            guard arguments.count == 3, let size = Self.bytes(arguments[1]) else {
                throw Refusal(text: "Invalid option: -x <new capacity with KB, MB or GB> <disk>")
            }
            let disk = arguments[2]
            guard let descriptor = try? String(contentsOfFile: disk, encoding: .utf8) else {
                throw Refusal(text: "Failed to open the disk '\(disk)' : Could not find the file (0x...)")
            }
            if descriptor.contains("parentFileNameHint") {
                throw Refusal(
                    text: "Failed to expand the disk '\(disk)': The operation is not supported on a disk with a parent (linked clone)")
            }
            let current = sizes[disk] ?? 20 << 30
            guard size > current else {
                throw Refusal(text: "Failed to expand the disk: the new capacity must be larger than the current one")
            }
            sizes[disk] = size
            return "  Grow: 100% done.\nDisk expansion completed successfully."
        default:
            throw Refusal(text: "Invalid option: \(operation)")
        }
    }
}
