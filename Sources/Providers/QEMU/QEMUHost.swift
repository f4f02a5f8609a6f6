import BoxerSupport
import Foundation
import Machines

/// What this host offers QEMU: binaries, firmware, and which accelerator works. Every answer
/// carries its reason, for the capability matrix and for errors.
public struct QEMUHost: Sendable {
    public enum Accelerator: String, Sendable { case kvm, hvf, tcg }

    public var hostArchitecture: String
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.hostArchitecture = HostArchitecture.current(environment: environment)
    }

    /// The emulator for a guest architecture (Vagrant's names: amd64, arm64).
    public func binary(for guestArchitecture: String) -> String {
        guestArchitecture == "arm64" ? "qemu-system-aarch64" : "qemu-system-x86_64"
    }

    public func package(for guestArchitecture: String) -> String {
        #if os(macOS)
            return "qemu (Homebrew: brew install qemu)"
        #else
            return guestArchitecture == "arm64"
                ? "qemu-system-arm and qemu-efi-aarch64 (Debian: apt-get install qemu-system-arm qemu-efi-aarch64)"
                : "qemu-system-x86 (Debian: apt-get install qemu-system-x86)"
        #endif
    }

    /// The accelerator for a guest, and why: `requested` (the Vagrantfile's `qemu.accel` or
    /// `$BOXER_QEMU_ACCEL`) wins; a guest of another architecture is emulated (tcg); otherwise
    /// hvf on macOS, kvm on Linux when /dev/kvm opens and the CPU virtualizes, else tcg.
    public func accelerator(for guestArchitecture: String, requested: String? = nil) -> (Accelerator, String) {
        if let requested = requested ?? environment["BOXER_QEMU_ACCEL"], let chosen = Accelerator(rawValue: requested) {
            return (chosen, "\(requested) as configured")
        }
        guard guestArchitecture == hostArchitecture else {
            return (.tcg, "an \(guestArchitecture) guest on an \(hostArchitecture) host is emulated (TCG)")
        }
        #if os(macOS)
            return (.hvf, "Hypervisor.framework on macOS")
        #else
            return kvmUsable()
        #endif
    }

    /// KVM works when /dev/kvm opens read-write and, on x86, the CPU has VMX or SVM. Nested
    /// "kvm_pvm" (no VMX; a stock kernel's ring 0 is emulated instruction by instruction and
    /// crashes) does not count.
    func kvmUsable() -> (Accelerator, String) {
        let descriptor = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            return (.tcg, "/dev/kvm cannot be opened (\(String(cString: strerror(errno)))): emulating with TCG")
        }
        close(descriptor)
        if HostFiles.kind(of: "/sys/module/kvm_pvm") == .directory {
            return (.tcg, "/dev/kvm is kvm_pvm (pagetable-based, no VMX): stock guest kernels fail under it, so TCG")
        }
        if hostArchitecture == "amd64" {
            let flags = (try? HostFiles.readText(at: "/proc/cpuinfo", limit: 8 << 20)) ?? ""
            let hasVirtualization = flags.split(separator: "\n").contains {
                $0.hasPrefix("flags") && ($0.contains(" vmx") || $0.contains(" svm"))
            }
            guard hasVirtualization else {
                return (.tcg, "the CPU has no VMX/SVM flag: emulating with TCG")
            }
        }
        return (.kvm, "/dev/kvm works")
    }

    /// UEFI firmware code and the template for per-machine variables.
    public func uefiFirmware(for guestArchitecture: String) -> (code: String, vars: String)? {
        let candidates: [(String, String)] =
            guestArchitecture == "arm64"
            ? [
                ("/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd"),
                ("/opt/homebrew/share/qemu/edk2-aarch64-code.fd", "/opt/homebrew/share/qemu/edk2-arm-vars.fd"),
            ]
            : [
                ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
                ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
                ("/opt/homebrew/share/qemu/edk2-x86_64-code.fd", "/opt/homebrew/share/qemu/edk2-i386-vars.fd"),
            ]
        return candidates.first { HostFiles.kind(of: $0.0) == .regular && HostFiles.kind(of: $0.1) == .regular }
    }
}
