import Foundation

/// Architecture names as Vagrant spells them in catalogs and box metadata.
public enum HostArchitecture {
    /// The host's architecture: `$BOXER_HOST_ARCHITECTURE` or `$VAGRANT_HOST_ARCHITECTURE` if set, else from uname.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for key in ["BOXER_HOST_ARCHITECTURE", "VAGRANT_HOST_ARCHITECTURE"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        var info = utsname()
        uname(&info)
        let machine = withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return vagrantName(forMachine: machine)
    }

    /// Maps `uname -m` spellings to Vagrant's (`x86_64` → `amd64`, `aarch64` → `arm64`, …).
    public static func vagrantName(forMachine machine: String) -> String {
        switch machine {
        case "x86_64", "amd64": return "amd64"
        case "aarch64", "arm64": return "arm64"
        case "i386", "i486", "i586", "i686", "x86": return "i386"
        default: return machine
        }
    }
}
