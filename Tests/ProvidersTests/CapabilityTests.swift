import BoxerTestSupport
import Foundation
import Providers
import Testing

/// The capability data of providers/ and `boxer providers`: the cells that decide what a user
/// may start, read from the repository's own files.
@Suite struct CapabilityTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("providers").path

    static func matrix() throws -> CapabilityMatrix { try CapabilityMatrix.load(folder: folder) }

    @Test func theRepositoryDataDescribesEveryProvider() throws {
        let matrix = try Self.matrix()
        #expect(matrix.providers.map(\.provider) == ["qemu", "libvirt", "parallels", "virtualbox", "vmware_desktop"])
        for provider in matrix.providers {
            for host in ProviderCapabilities.hostNames where provider.hosts[host] != nil {
                for guest in ProviderCapabilities.guestArchitectures {
                    let cell = provider.guestCell(host: host, guest: guest)
                    #expect(cell.status == .supported || cell.reason != nil, "\(provider.provider) \(host) \(guest) says why")
                }
            }
        }
    }

    @Test func virtualBoxOnAppleSiliconDependsOnTheVersion() throws {
        let virtualbox = try #require(try Self.matrix().provider("virtualbox"))
        #expect(virtualbox.guestCell(host: "darwin-arm64", guest: "arm64", version: "7.0.14r161095").status == .blocked)
        #expect(virtualbox.guestCell(host: "darwin-arm64", guest: "arm64", version: "7.1.0").status == .supported)
        #expect(virtualbox.guestCell(host: "darwin-arm64", guest: "arm64", version: "7.1.4r165100").status == .supported)
        #expect(virtualbox.guestCell(host: "darwin-arm64", guest: "amd64").status == .blocked)
        #expect(virtualbox.guestCell(host: "linux-amd64", guest: "arm64").status == .blocked)
        let blocked = virtualbox.guestCell(host: "darwin-arm64", guest: "arm64", version: "7.0")
        #expect(blocked.reason?.contains("before 7.1") == true && blocked.reference != nil)
    }

    @Test func qemuOnMacOSHasNoVmnetButBoxersSwitch() throws {
        let qemu = try #require(try Self.matrix().provider("qemu"))
        let vmnet = qemu.networkingCell(host: "darwin-arm64", feature: "vmnet")
        #expect(vmnet.status == .blocked && vmnet.reason?.contains("com.apple.vm.networking") == true && vmnet.reference != nil)
        #expect(qemu.networkingCell(host: "darwin-arm64", feature: "intnet").status == .supported)
        #expect(qemu.guestCell(host: "darwin-arm64", guest: "arm64").accelerator == "hvf")
        #expect(qemu.guestCell(host: "windows-amd64", guest: "amd64").accelerator == "whpx")
        #expect(qemu.guestCell(host: "linux-amd64", guest: "arm64").status == .partial)
        let parallels = try #require(try Self.matrix().provider("parallels"))
        #expect(parallels.guestCell(host: "linux-amd64", guest: "amd64").status == .unavailable)
    }

    @Test func brokenDataNamesTheFileLineAndField() {
        let broken = """
            provider: example
            hosts:
              linux-amd64:
                guests:
                  amd64: {status: blocked}

            """
        #expect(throws: CapabilityError.self) { try ProviderCapabilities.parse(broken, file: "/p/example.yaml") }
        do { _ = try ProviderCapabilities.parse(broken, file: "/p/example.yaml") } catch {
            #expect(error.message == "/p/example.yaml:5: hosts.linux-amd64.guests.amd64 is blocked and needs a reason", "\(error.message)")
        }
        do {
            _ = try ProviderCapabilities.parse(broken.replacingOccurrences(of: "status: blocked", with: "status: maybe"), file: "/p/x.yaml")
        } catch {
            #expect(
                error.message.contains(
                    "/p/x.yaml:5: hosts.linux-amd64.guests.amd64.status is missing or not one of supported, partial, blocked, unavailable, untested"
                ), "\(error.message)")
        }
        do {
            _ = try ProviderCapabilities.parse(broken.replacingOccurrences(of: "linux-amd64", with: "plan9-mips"), file: "/p/x.yaml")
        } catch {
            #expect(error.message.contains("hosts 'plan9-mips' is not one of linux-amd64"), "\(error.message)")
        }
    }

    /// `boxer providers` on this host: QEMU found with its accelerator, the others absent with
    /// how to install them; other hosts from the data, as JSON too.
    @Test func theCommandProbesThisHostAndShowsOthers() throws {
        let binary = try #require(BoxerBinary.url?.path)
        var environment = ProcessInfo.processInfo.environment
        environment["BOXER_PROVIDERS"] = Self.folder
        let here = try ProgramRun.run(binary, ["providers", "--json"], environment: environment)
        try #require(here.status == 0, "\(here.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(here.output.utf8)) as? [String: Any])
        #expect(object["probed"] as? Bool == true)
        let reports = try #require(object["providers"] as? [[String: Any]])
        let qemu = try #require(reports.first { $0["provider"] as? String == "qemu" })
        #expect(!((qemu["installed"] as? [[String: Any]]) ?? []).isEmpty, "qemu-system-* is installed here")
        let amd64 = ((qemu["guests"] as? [[String: Any]]) ?? []).first { $0["architecture"] as? String == "amd64" }
        #expect(["kvm", "tcg"].contains(amd64?["accelerator"] as? String), "\(String(describing: amd64))")
        for name in ["virtualbox", "vmware_desktop", "parallels"] {
            let report = try #require(reports.first { $0["provider"] as? String == name })
            #expect(
                ((report["installed"] as? [Any]) ?? []).isEmpty && !((report["missing"] as? [String]) ?? []).isEmpty,
                "\(name) is not installed here")
        }
        let table = try ProgramRun.run(binary, ["providers"], environment: environment)
        #expect(table.output.contains("virtualbox (VirtualBox): not installed (VBoxManage not found); install: "), "\(table.output)")
        let mac = try ProgramRun.run(binary, ["providers", "--host", "darwin-arm64"], environment: environment)
        #expect(mac.output.contains("blocked (VirtualBox <7.1)") && mac.output.contains("supported (VirtualBox >=7.1)"), "\(mac.output)")
        let windows = try ProgramRun.run(binary, ["providers", "--host", "windows-amd64", "--json"], environment: environment)
        #expect(
            windows.status == 0 && windows.output.contains("\"whpx\"") && windows.output.contains("\"probed\" : false"), "\(windows.output)"
        )
        let bad = try ProgramRun.run(binary, ["providers", "--host", "beos-ppc"], environment: environment)
        #expect(bad.status != 0 && bad.error.contains("--host beos-ppc is not one of linux-amd64"), "\(bad.error)")
    }
}
