import XCTest

/// Locations of test data, relative to this source file so tests run from any working directory.
enum FixturePaths {
    /// `Tests/Fixtures` in the repository.
    static let fixtures: String = {
        let file = String(describing: #filePath)
        let testsDirectory = file.split(separator: "/").dropLast(2).joined(separator: "/")
        return "/" + testsDirectory + "/Fixtures"
    }()

    /// The repository root.
    static var repository: String { fixtures + "/../.." }

    /// The shared test material next to the repository, present on developer machines and in CI.
    static var shared: String { repository + "/../shared" }

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// A bundle shipped in `models/`, such as the embedded default `glam-demo`.
    static func bundle(_ name: String) -> String { repository + "/models/" + name }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
