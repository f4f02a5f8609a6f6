import BoxerSupport

/// Every message of `boxer build`, worded here once; the build's steps throw these.
extension BuildError {
    // MARK: - Templates

    static func noTemplateFile(_ path: String) -> BuildError {
        BuildError(.unknownTemplate, "There is no template file \(path).")
    }

    /// `known`: the library's template names, joined by ", ".
    static func unknownTemplate(_ name: String, in folder: String, known: String) -> BuildError {
        BuildError(
            .unknownTemplate,
            "There is no template '\(name)' in \(folder). Known: \(known). A template of your own can be given by its path (boxer build path/to/template.yaml)."
        )
    }

    static func cannotReadTemplate(_ path: String) -> BuildError {
        BuildError(.template, "cannot read the template \(path)")
    }

    static func emptyTemplate(_ file: String) -> BuildError {
        BuildError(.template, "\(file): the template is empty")
    }

    static func notValidYAML(_ file: String, _ error: String) -> BuildError {
        BuildError(.template, "\(file): not valid YAML: \(error)")
    }

    /// `place`: the template file and line.
    static func fieldMissing(_ field: String, at place: String) -> BuildError {
        BuildError(.template, "\(place): \(field) is missing; see boxes/README.md for the template format")
    }

    static func cannotReadVagrantfile(_ file: String, template: String) -> BuildError {
        BuildError(.template, "\(template): vagrantfile: cannot read \(file)")
    }

    /// A provisioning script, read to run it as step `step`.
    static func cannotReadScript(_ file: String, template: String, step: Int) -> BuildError {
        BuildError(.template, "\(template): provisioning step \(step): cannot read the script \(file)")
    }

    /// A provisioning script, read for the customized image's cache key.
    static func cannotReadScript(_ file: String, template: String) -> BuildError {
        BuildError(.template, "\(template): provisioning: cannot read the script \(file)")
    }

    // MARK: - Sources and downloads

    static func recipeMissing(_ script: String) -> BuildError {
        BuildError(.template, "The source recipe \(script) does not exist or is not executable.")
    }

    static func cannotRunRecipe(_ script: String, _ reason: String) -> BuildError {
        BuildError(.tool, "cannot run the source recipe \(script): \(reason)")
    }

    static func recipeFailed(_ script: String, status: Int32, lastLines: String) -> BuildError {
        BuildError(.tool, "The source recipe \(script) failed with exit status \(status). Its last lines:\n\(lastLines)")
    }

    static func recipeWroteNoImage(_ script: String) -> BuildError {
        BuildError(.tool, "The source recipe \(script) ended without writing box.img into the folder it was given.")
    }

    static func sourceURLInvalid(_ url: String) -> BuildError {
        BuildError(.template, "source.url \(url) is not a URL")
    }

    static func checksumURLInvalid(_ url: String) -> BuildError {
        BuildError(.template, "source.checksum_url \(url) is not a URL")
    }

    /// `path`: the URL's path, which the mirror (when there is one) should have.
    static func cannotDownload(_ url: String, _ reason: String, mirror: String?, path: String) -> BuildError {
        BuildError(
            .download,
            "Cannot download \(url): \(reason).\(mirror == nil ? " Without internet access, point --mirror at a mirror that has it (the URL's path is kept)." : " Check that the mirror \(mirror ?? "") has \(path).")"
        )
    }

    static func cannotDownloadChecksumFile(_ url: String, _ reason: String, mirror: String?) -> BuildError {
        BuildError(
            .download,
            "Cannot download the checksum file \(url): \(reason).\(mirror == nil ? " Without internet access, point --mirror at a mirror that has it." : "")"
        )
    }

    static func cannotReadChecksumFile(_ path: String) -> BuildError {
        BuildError(.download, "Cannot read the checksum file \(path).")
    }

    static func cannotMoveDownload(to image: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot move the download to \(image): \(reason)")
    }

    // MARK: - Checksums

    static func noChecksum() -> BuildError {
        BuildError(.template, "source has no checksum")
    }

    static func noChecksumLine(in url: String, for name: String) -> BuildError {
        BuildError(.checksum, "The checksum file \(url) has no line for \(name).")
    }

    /// A local image (a file: URL), checked where it is.
    static func imageChecksumMismatch(_ path: String, type: String, expected: String, actual: String) -> BuildError {
        BuildError(.checksum, "The image \(path) does not match its checksum: expected \(type) \(expected), got \(actual).")
    }

    static func downloadChecksumMismatch(_ url: String, type: String, expected: String, actual: String?) -> BuildError {
        BuildError(
            .checksum,
            "The download of \(url) does not match its checksum: expected \(type) \(expected), got \(actual ?? "nothing"). It was deleted; run the build again, or check the template's checksum."
        )
    }

    // MARK: - Customizing in QEMU

    /// The capability data blocks this guest architecture with QEMU on this host.
    static func hostCannotRun(_ name: String, architecture: String, host: String, why: String, capabilities: String) -> BuildError {
        BuildError(.tool, "\(name) is an \(architecture) image, and QEMU on \(host) cannot run it: \(why) (\(capabilities)).")
    }

    static func qemuImgMissing() -> BuildError {
        BuildError(.tool, "qemu-img is not installed (Debian: apt-get install qemu-utils).")
    }

    /// `package`: the package that has the QEMU binary, and how to install it.
    static func qemuMissing(_ binary: String, image name: String, architecture: String, package: String) -> BuildError {
        BuildError(.tool, "\(binary) is not installed, and \(name) is an \(architecture) image: \(package)")
    }

    static func uefiFirmwareMissing(_ name: String, architecture: String) -> BuildError {
        BuildError(
            .tool,
            "\(name) boots UEFI, and no UEFI firmware for \(architecture) is installed (Debian: apt-get install \(architecture == "arm64" ? "qemu-efi-aarch64" : "ovmf"))."
        )
    }

    static func cannotCopyUEFIVariables(to vars: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot copy the UEFI variables to \(vars): \(reason)")
    }

    static func qemuDidNotStart(_ said: String) -> BuildError {
        BuildError(.tool, "QEMU did not start: \(said)")
    }

    static func guestDidNotComeUp(_ reason: String) -> BuildError {
        BuildError(.guest, "The guest did not come up: \(reason)")
    }

    /// A script run in the guest (a provisioning step, the guest tools, the cleanup) could not run.
    static func guestRunFailed(_ label: String, _ reason: String) -> BuildError {
        BuildError(.guest, "\(label): \(reason)")
    }

    static func failedInGuest(_ label: String, status: Int32, lastLines: String) -> BuildError {
        BuildError(.guest, "\(label) failed in the guest with exit status \(status). Its last lines:\n\(lastLines)")
    }

    /// The watchdog's verdict while the guest runs: its disk cannot grow.
    static func diskFullWhileCustomizing(_ folder: String, free: String) -> BuildError {
        BuildError(
            .io,
            "The disk holding \(folder) is full (\(free) free): the guest's disk cannot grow. Make room there, or build into a folder on a larger disk (--output)."
        )
    }

    static func guestToolsMissing(_ provider: String, _ path: String) -> BuildError {
        BuildError(.tool, "--guest-tools \(provider)=\(path): no such file.")
    }

    static func cannotCreateSocket() -> BuildError {
        BuildError(.io, "cannot create a socket")
    }

    static func noFreePort() -> BuildError {
        BuildError(.io, "cannot find a free port on 127.0.0.1")
    }

    static func customizedImageNotKept(_ reason: String) -> BuildError {
        BuildError(.io, "The customized image was not kept for later builds (\(reason)); this build goes on without it.")
    }

    // MARK: - Packaging

    /// Refused before the first copy: the working copy of the source image alone does not fit.
    static func notEnoughSpace(_ work: String, free: String, needed: String) -> BuildError {
        BuildError(
            .io,
            "The disk holding \(work) has \(free) free, and the build's working copy of the image alone needs \(needed). Make room there, or build into a folder on a larger disk (--output)."
        )
    }

    /// A qemu-img step failed: `.io` when the disk is full (with `advice`), else `.tool`.
    static func stepFailed(_ what: String, program: String, arguments: String, said: String, advice: String, as kind: Kind) -> BuildError {
        BuildError(kind, "cannot \(what) (\(program) \(arguments)): \(said)\(advice)")
    }

    static func cannotEncodeCatalog(_ boxName: String) -> BuildError {
        BuildError(.io, "cannot encode the catalog of \(boxName)")
    }

    static func cannotMoveBox(to file: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot move the box to \(file): \(reason)")
    }

    // MARK: - Files

    static func cannotCreateOutputFolder(_ folder: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot create the output folder \(folder): \(reason)")
    }

    static func cannotCreate(_ folder: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot create \(folder): \(reason)")
    }

    static func cannotRead(_ path: String) -> BuildError {
        BuildError(.io, "cannot read \(path)")
    }

    /// `advice`: what to do when the disk is full (appended as is).
    static func cannotWrite(_ path: String, _ reason: String, advice: String = "") -> BuildError {
        BuildError(.io, "cannot write \(path): \(reason)\(advice)")
    }

    /// A script for the guest, written before it is uploaded.
    static func cannotWriteScript(_ path: String) -> BuildError {
        BuildError(.io, "cannot write \(path)")
    }

    static func cannotMove(_ path: String, to target: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot move \(path) to \(target): \(reason)")
    }

    static func cannotLock(_ path: String, _ reason: String) -> BuildError {
        BuildError(.io, "cannot lock \(path): \(reason)")
    }

    /// Another error's text, passed on as it is.
    static func passing(_ error: some CustomStringConvertible, as kind: Kind) -> BuildError {
        BuildError(kind, error.description)
    }

    // MARK: - Cancellation

    static func interruptedBefore(_ step: String) -> BuildError {
        BuildError(.interrupted, "The build was interrupted before \(step).")
    }

    static func interruptedWhileWriting(_ file: String) -> BuildError {
        BuildError(.interrupted, "The build was interrupted while writing \(file).")
    }

    /// `boxer build` stopped by a signal, once everything was cleaned up.
    public static func buildInterrupted(_ name: String, _ interruption: Interruption.Interrupted, output: String) -> BuildError {
        BuildError(
            .interrupted,
            "\(name): the build was \(interruption). QEMU was stopped, the build folder removed, and no box of this build is left in \(output).",
            signal: interruption.signal)
    }
}
