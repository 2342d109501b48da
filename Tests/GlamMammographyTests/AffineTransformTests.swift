import XCTest
@testable import GlamMammography

final class AffineTransformTests: XCTestCase {
    func testComposeThenInvertIsIdentity() throws {
        let rotation = Rotation.matrix(center: (0, 400), angleDegrees: 23)
        let transform = AffineTransform.horizontalFlip(width: 787)
            .then(.translation(x: -12, y: -3))
            .then(Rotation.edgeCoordinates(rotation))
            .then(.scaling(x: 518.0 / 500, y: 518.0 / 1000))
        let inverse = try XCTUnwrap(transform.inverted)
        let roundTrip = transform.then(inverse)
        XCTAssertEqual(roundTrip.a, 1, accuracy: 1e-12)
        XCTAssertEqual(roundTrip.b, 0, accuracy: 1e-12)
        XCTAssertEqual(roundTrip.c, 0, accuracy: 1e-9)
        XCTAssertEqual(roundTrip.d, 0, accuracy: 1e-12)
        XCTAssertEqual(roundTrip.e, 1, accuracy: 1e-12)
        XCTAssertEqual(roundTrip.f, 0, accuracy: 1e-9)
    }

    func testThenAppliesSelfFirst() {
        let shift = AffineTransform.translation(x: 10, y: 0)
        let double = AffineTransform.scaling(x: 2, y: 2)
        let point = shift.then(double).apply(x: 1, y: 1)
        XCTAssertEqual(point.x, 22)
        XCTAssertEqual(point.y, 2)
    }

    func testSingularTransformHasNoInverse() {
        XCTAssertNil(AffineTransform.scaling(x: 0, y: 1).inverted)
    }
}
