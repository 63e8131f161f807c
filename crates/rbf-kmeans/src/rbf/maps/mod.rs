//! Responsibility maps: from one point's squared distances to a point of the simplex.
