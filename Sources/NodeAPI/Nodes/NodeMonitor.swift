import Foundation
import Machines
import Providers

/// What boxer does to a running node through its QEMU monitor (QMP): volumes plugged into its
/// hot-plug bridge and port forwards on its NAT (QEMU's `nat` netdev, NIC1).
struct NodeMonitor: Sendable {
    let node: String
    let client: QMPClient

    /// The block node and device ids of a hot-plug slot (QEMU node names are at most 31 characters,
    /// so they are named by slot, not by volume).
    static func blockNode(_ slot: Int) -> String { "boxer-vol\(slot)" }
    static func device(_ slot: Int) -> String { "boxer-voldev\(slot)" }

    func plug(_ volume: VolumeRecord, path: String, slot: Int) throws(NodeError) {
        try run(
            "blockdev-add",
            [
                "driver": volume.format.rawValue, "node-name": Self.blockNode(slot),
                "file": ["driver": "file", "filename": path] as [String: Any],
            ])
        do {
            try run(
                "device_add",
                [
                    "driver": "virtio-blk-pci", "drive": Self.blockNode(slot), "id": Self.device(slot),
                    "bus": NodeProject.hotplugBridge, "addr": String(format: "0x%x", slot), "serial": volume.serial,
                ])
        } catch {
            try? run("blockdev-del", ["node-name": Self.blockNode(slot)])
            throw error
        }
    }

    /// Asks the guest to let go of the disk, waits until QEMU has removed the device (the guest
    /// acknowledges the unplug), then closes the image.
    func unplug(slot: Int, timeout: Double = 60) async throws(NodeError) {
        if pluggedDevices().contains(Self.device(slot)) {
            try run("device_del", ["id": Self.device(slot)])
            let deadline = ContinuousClock.now + .seconds(timeout)
            while pluggedDevices().contains(Self.device(slot)) {
                guard ContinuousClock.now < deadline else {
                    throw NodeError(
                        .failed,
                        "Node \(node) did not release its disk in \(Int(timeout)) s (is the volume still mounted in the guest?); unmount it and detach again."
                    )
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        try? run("blockdev-del", ["node-name": Self.blockNode(slot)])
    }

    /// The ids of the devices plugged at run time (`/machine/peripheral`).
    func pluggedDevices() -> Set<String> {
        guard let children = try? client.execute("qom-list", arguments: ["path": "/machine/peripheral"]) as? [[String: Any]] else {
            return []
        }
        return Set(children.compactMap { $0["name"] as? String })
    }

    /// A QMP internal snapshot of the volume in `slot`, taken while the guest runs.
    func snapshot(slot: Int, name: String) throws(NodeError) {
        try run("blockdev-snapshot-internal-sync", ["device": Self.blockNode(slot), "name": name])
    }

    func deleteSnapshot(slot: Int, name: String) throws(NodeError) {
        try run("blockdev-snapshot-delete-internal-sync", ["device": Self.blockNode(slot), "name": name])
    }

    /// `hostfwd_add` on NIC1's netdev: QEMU's human monitor answers "" or the reason it failed.
    func addForward(_ forward: PortForwardRecord) throws(NodeError) {
        // Silent when it worked.
        try human("hostfwd_add nat \(forward.proto):\(forward.hostIP):\(forward.hostPort)-:\(forward.guestPort)") { $0.isEmpty }
    }

    func removeForward(_ forward: PortForwardRecord) throws(NodeError) {
        // "host forwarding rule for tcp:127.0.0.1:8080 removed" when it worked.
        try human("hostfwd_remove nat \(forward.proto):\(forward.hostIP):\(forward.hostPort)") { $0.isEmpty || $0.hasSuffix(" removed") }
    }

    /// A command of QEMU's human monitor, which answers in text; `worked` tells success from failure.
    private func human(_ command: String, worked: (String) -> Bool) throws(NodeError) {
        let said = try run("human-monitor-command", ["command-line": command]) as? String ?? ""
        let text = said.trimmingCharacters(in: .whitespacesAndNewlines)
        guard worked(text) else { throw NodeError(.badRequest, "Node \(node): QEMU refused \(command): \(text)") }
    }

    @discardableResult
    private func run(_ command: String, _ arguments: [String: Any]) throws(NodeError) -> Any {
        do {
            return try client.execute(command, arguments: arguments)
        } catch {
            throw NodeError(.failed, "Node \(node): QEMU's \(command) failed: \(error)")
        }
    }
}

extension NodeService {
    /// The monitor of the node's QEMU while it runs; nil when it does not run. A node that does
    /// not run on boxer's QEMU has none either: what needs it says so.
    func monitor(of record: NodeRecord) async throws(NodeError) -> NodeMonitor? {
        guard record.phase == .ready, MachineFolder.anyInUse(inProject: store.path(of: record.name)) else { return nil }
        let environment = try openEnvironment(record, output: .discarded, reading: true)
        let machine = try machine(record, in: environment)
        let provider: any Provider
        let context: MachineContext
        do { (provider, context) = try environment.context(for: machine) } catch { throw NodeError.machine(record.name, error) }
        guard await provider.state(context) == .running else { return nil }
        guard let qemu = provider as? QEMUProvider, let client = qemu.monitor(context) else {
            throw NodeError(
                .badRequest, "Node \(record.name) runs on \(provider.name); volumes and port forwards need boxer's QEMU provider.")
        }
        return NodeMonitor(node: record.name, client: client)
    }
}
