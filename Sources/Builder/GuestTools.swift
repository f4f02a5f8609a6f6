import Foundation

/// The hypervisors' guest tools, installed into the customized image for each provider the
/// build makes (and only those): VirtualBox's Guest Additions and Parallels Tools from their
/// ISOs, which only their products ship (boxer attaches the ISO to the build machine as a
/// read-only disk), and open-vm-tools from the distribution for VMware. libvirt/QEMU needs
/// none. All boxes of a build come from one image, so each provider's tools are in every box;
/// they stay idle elsewhere (their services start only on their own hypervisor).
public struct GuestTools: Sendable, Equatable {
    public let provider: BoxTemplate.BoxProvider
    /// The tools' ISO on the host, for VirtualBox and Parallels.
    public let iso: String?

    /// The ISO a provider's tools come from: `--guest-tools PROVIDER=PATH`, then the
    /// environment (`BOXER_VIRTUALBOX_ADDITIONS`, `BOXER_PARALLELS_TOOLS`), then where the
    /// product installs it.
    static func candidates(for provider: BoxTemplate.BoxProvider, architecture: BoxTemplate.Architecture, environment: [String: String])
        -> [String]
    {
        switch provider {
        case .virtualbox:
            return [environment["BOXER_VIRTUALBOX_ADDITIONS"]].compactMap { $0 } + [
                "/usr/share/virtualbox/VBoxGuestAdditions.iso",
                "/usr/lib/virtualbox/additions/VBoxGuestAdditions.iso",
                "/Applications/VirtualBox.app/Contents/MacOS/VBoxGuestAdditions.iso",
            ]
        case .parallels:
            let file = architecture == .arm64 ? "prl-tools-lin-arm.iso" : "prl-tools-lin.iso"
            return [environment["BOXER_PARALLELS_TOOLS"]].compactMap { $0 } + [
                "/Applications/Parallels Desktop.app/Contents/Resources/Tools/\(file)"
            ]
        case .libvirt, .vmwareDesktop:
            return []
        }
    }

    /// What to install for `providers`, and a warning for each provider whose ISO is missing.
    public static func plan(
        providers: [BoxTemplate.BoxProvider], architecture: BoxTemplate.Architecture, given: [BoxTemplate.BoxProvider: String],
        environment: [String: String]
    ) throws(BuildError) -> (tools: [GuestTools], warnings: [String]) {
        var tools: [GuestTools] = []
        var warnings: [String] = []
        for provider in providers {
            switch provider {
            case .libvirt:
                continue
            case .vmwareDesktop:
                tools.append(GuestTools(provider: provider, iso: nil))
            case .virtualbox, .parallels:
                if let path = given[provider] {
                    guard FileManager.default.isReadableFile(atPath: path) else {
                        throw BuildError.guestToolsMissing(provider.rawValue, path)
                    }
                    tools.append(GuestTools(provider: provider, iso: path))
                    continue
                }
                let looked = candidates(for: provider, architecture: architecture, environment: environment)
                if let found = looked.first(where: { FileManager.default.isReadableFile(atPath: $0) }) {
                    tools.append(GuestTools(provider: provider, iso: found))
                } else {
                    let product =
                        provider == .virtualbox
                        ? "VirtualBox Guest Additions (VBoxGuestAdditions.iso)"
                        : "Parallels Tools (\(architecture == .arm64 ? "prl-tools-lin-arm.iso" : "prl-tools-lin.iso"))"
                    warnings.append(
                        "The \(provider.rawValue) box gets no \(product): the ISO is not on this machine (looked in \(looked.joined(separator: ", "))). Pass --guest-tools \(provider.rawValue)=PATH to install them."
                    )
                }
            }
        }
        return (tools, warnings)
    }

    var label: String {
        switch provider {
        case .virtualbox: "VirtualBox Guest Additions from \(iso ?? "")"
        case .parallels: "Parallels Tools from \(iso ?? "")"
        case .vmwareDesktop: "open-vm-tools for VMware"
        case .libvirt: "none"
        }
    }

    /// Finds the ISO among the guest's disks (by a file it holds) and mounts it at $mnt.
    static func mountISO(holding file: String) -> String {
        """
        mnt=/mnt/boxer-guest-tools
        mkdir -p "$mnt"
        found=
        for dev in /dev/vd? /dev/sd? /dev/sr? /dev/xvd?; do
          [ -b "$dev" ] || continue
          mount -o ro "$dev" "$mnt" 2>/dev/null || continue
          if [ -e "$mnt/\(file)" ]; then found=$dev; break; fi
          umount "$mnt"
        done
        [ -n "$found" ] || { echo "boxer: the tools ISO (with \(file)) is not visible in the guest" >&2; exit 3; }
        echo "boxer: tools ISO on $found"
        """
    }

    /// Installs `packages` with the guest's package manager; sets $installed_with.
    static func installPackages(_ apt: String, rpm: String) -> String {
        """
        installed_with=
        if command -v apt-get >/dev/null 2>&1; then
          export DEBIAN_FRONTEND=noninteractive
          apt-get update -qq
          apt-get install -y -q \(apt)
          installed_with=apt
        elif command -v dnf >/dev/null 2>&1; then
          dnf install -y \(rpm)
          installed_with=dnf
        elif command -v yum >/dev/null 2>&1; then
          yum install -y \(rpm)
          installed_with=yum
        else
          echo "boxer: no apt-get, dnf or yum in the guest: nothing installed for building the tools"
        fi
        """
    }

    /// The script run as root in the guest.
    var script: String {
        switch provider {
        case .virtualbox:
            // Built against the running kernel with build-essential and dkms, which go again
            // afterwards (with the headers): the box carries the modules, not a compiler.
            return """
                set -e
                \(Self.mountISO(holding: "VBoxLinuxAdditions.run"))
                \(Self.installPackages("build-essential dkms bzip2 \"linux-headers-$(uname -r)\"", rpm: "gcc make perl bzip2 elfutils-libelf-devel \"kernel-devel-$(uname -r)\""))
                status=0
                sh "$mnt/VBoxLinuxAdditions.run" --nox11 || status=$?
                umount "$mnt"
                # 2: installed without the X11 parts, which a server box does not have.
                case $status in 0|2) ;; *) echo "boxer: VBoxLinuxAdditions.run failed with status $status" >&2; exit "$status" ;; esac
                case $installed_with in
                  apt) apt-get purge -y -q build-essential dkms "linux-headers-$(uname -r)" && apt-get autoremove -y -q --purge ;;
                  dnf|yum) $installed_with remove -y gcc make "kernel-devel-$(uname -r)" ;;
                esac
                echo "boxer: VirtualBox Guest Additions installed"
                """
        case .parallels:
            return """
                set -e
                \(Self.mountISO(holding: "install"))
                "$mnt/install" --install-unattended-with-deps
                umount "$mnt"
                echo "boxer: Parallels Tools installed"
                """
        case .vmwareDesktop:
            return """
                set -e
                if ! command -v apt-get >/dev/null 2>&1 && ! command -v dnf >/dev/null 2>&1 && ! command -v yum >/dev/null 2>&1; then
                  echo "boxer: no apt-get, dnf or yum in the guest: open-vm-tools cannot be installed" >&2
                  exit 3
                fi
                \(Self.installPackages("open-vm-tools", rpm: "open-vm-tools"))
                echo "boxer: open-vm-tools installed"
                """
        case .libvirt:
            return "true"
        }
    }
}
