import Foundation

/// What real Vagrant needs of a box's guest and finds missing only at `vagrant up`, asked of the
/// guest by `boxer build` (before its cleanup) and `boxer package` (while it runs), as the
/// vagrant user, over the same SSH Vagrant uses:
/// a `bash` for Vagrant's default `config.ssh.shell` ("bash -l"), a guest Vagrant can detect
/// (its guest plugins read /etc/os-release, lsb_release or /etc/issue), `scp`, with which
/// Vagrant uploads the key that replaces its insecure one, and `rsync`, which the default
/// /vagrant folder needs where the provider shares nothing itself (vagrant-libvirt). Kept beside a cached customized
/// image, so a build that reuses it writes the same Vagrantfile.
public struct GuestFacts: Sendable, Codable, Equatable {
    public var hasBash: Bool
    public var hasSCP: Bool
    public var hasRsync: Bool
    /// `ID` of /etc/os-release ("" when there is none).
    public var osReleaseID: String
    /// /etc/issue or lsb_release names Linux: Vagrant's generic Linux guest detects it.
    public var namesLinux: Bool

    public init(hasBash: Bool, hasSCP: Bool, hasRsync: Bool, osReleaseID: String, namesLinux: Bool) {
        self.hasBash = hasBash
        self.hasSCP = hasSCP
        self.hasRsync = hasRsync
        self.osReleaseID = osReleaseID
        self.namesLinux = namesLinux
    }

    /// Prints one `key=value` line per fact; POSIX sh, so it runs under any login shell.
    public static let probe = """
        if command -v bash >/dev/null 2>&1; then echo bash=yes; else echo bash=no; fi
        if command -v scp >/dev/null 2>&1; then echo scp=yes; else echo scp=no; fi
        if command -v rsync >/dev/null 2>&1; then echo rsync=yes; else echo rsync=no; fi
        echo "id=$(if test -r /etc/os-release; then . /etc/os-release; echo "$ID"; fi)"
        if cat /etc/issue 2>/dev/null | grep -qi linux || lsb_release -i 2>/dev/null | grep -qi linux; then echo linux=yes; else echo linux=no; fi
        """

    /// The probe's output read back; nil when it is not the probe's (the guest could not run it).
    public init?(probeOutput: String) {
        var values: [String: String] = [:]
        for line in probeOutput.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        guard let bash = values["bash"], let scp = values["scp"], let rsync = values["rsync"], let id = values["id"],
            let linux = values["linux"]
        else { return nil }
        self.init(
            hasBash: bash == "yes", hasSCP: scp == "yes", hasRsync: rsync == "yes", osReleaseID: id.lowercased(), namesLinux: linux == "yes"
        )
    }

    /// os-release IDs that one of Vagrant 2.3.4's guest plugins detects.
    static let vagrantGuestIDs: Set<String> = [
        "almalinux", "alpine", "amzn", "arch", "centos", "debian", "elementary", "fedora", "gentoo", "kali", "linux", "linuxmint",
        "nixos", "ol", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "openwrt", "photon", "rhel", "rocky", "sles", "ubuntu",
    ]

    /// Whether real Vagrant will detect the guest (else `vagrant up` stops with GuestNotDetected).
    public var vagrantDetects: Bool { Self.vagrantGuestIDs.contains(osReleaseID) || namesLinux }

    /// Settings the box's Vagrantfile starts with so that Vagrant runs the box as it is (the
    /// template's or user's own come after them and win).
    public var vagrantfileSettings: String? {
        var lines: [String] = []
        if !hasBash {
            lines += ["  # The guest has no bash: Vagrant's default shell (\"bash -l\") cannot run.", "  config.ssh.shell = \"sh\""]
        }
        if !hasRsync {
            lines += [
                "  # The guest has no rsync, which the default /vagrant folder needs where the provider shares",
                "  # nothing itself: off. Give the folder another type, or install rsync, to have it.",
                "  config.vm.synced_folder \".\", \"/vagrant\", disabled: true",
            ]
        }
        guard !lines.isEmpty else { return nil }
        return (["# Written by boxer from what the guest has.", "Vagrant.configure(\"2\") do |config|"] + lines + ["end", ""])
            .joined(separator: "\n")
    }

    /// What the build warns about: what would stop or weaken the box under real Vagrant.
    public var warnings: [String] {
        var warnings: [String] = []
        if !vagrantDetects {
            warnings.append(
                "Vagrant will not detect this guest (GuestNotDetected at `vagrant up`): give it an /etc/os-release whose ID Vagrant knows, or an /etc/issue that names Linux."
            )
        }
        if !hasSCP {
            warnings.append(
                "The guest has no scp: Vagrant cannot upload files to it, and keeps its public insecure key instead of replacing it. Install scp (openssh-client) in the box."
            )
        }
        return warnings
    }
}
