import BoxerSupport
import Foundation
import Machines

/// Snapshots with vmrun, as vagrant-vmware-desktop takes them: `snapshot`, `revertToSnapshot`
/// (the machine stopped first; one saved running comes back suspended and resumes on start),
/// `deleteSnapshot`, `listSnapshots`.
extension VMwareProvider {
    public func snapshots(_ context: MachineContext) async throws(MachineError) -> [Snapshot] {
        guard let vmx = vmxPath(context) else { return [] }
        let listed = try await vmrun(["listSnapshots", vmx], doing: "list the snapshots of \(context.machine.name)")
        // "Total snapshots: N", then one name per line.
        return listed.split(separator: "\n").dropFirst().map { Snapshot(name: $0.trimmingCharacters(in: .whitespaces), withMemory: false) }
    }

    public func saveSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        try await vmrun(["snapshot", vmx, name], doing: "save the snapshot '\(name)' of \(context.machine.name)")
    }

    public func restoreSnapshot(_ context: MachineContext, name: String) async throws(MachineError) -> Bool {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        if await state(context) == .running { try await stop(context, force: true, timeout: 0) }
        try await vmrun(["revertToSnapshot", vmx, name], doing: "restore the snapshot '\(name)' of \(context.machine.name)")
        return false
    }

    public func deleteSnapshot(_ context: MachineContext, name: String) async throws(MachineError) {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        try await vmrun(["deleteSnapshot", vmx, name], doing: "delete the snapshot '\(name)' of \(context.machine.name)")
    }
}
