import ArgumentParser
import Foundation
import Machines
import Vagrantfile

/// The machine a single-machine command targets: the one named, the only one, or the primary.
func targetMachine(_ name: String?, in environment: MachineEnvironment) throws -> Machine {
    if let name { return try environment.machines([name])[0] }
    let machines = environment.environment.machines
    if machines.count == 1, let only = machines.first { return only }
    if let primary = environment.environment.primaryMachine { return primary }
    throw CommandError.machineNameNeeded(machines: machines.map(\.name))
}
