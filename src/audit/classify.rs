//! The audit's classifiers: how well simple models tell classes apart from a few numbers per
//! clip, cross-validated, with a 95% interval. Two models with different biases, k nearest
//! neighbours (any local pattern) and multinomial logistic regression (any linear threshold, such
//! as "the target's box is left of centre"); the better of the two counts.

use serde::Serialize;

/// Folds of the cross-validation.
pub const FOLDS: usize = 5;
/// Neighbours the k-nearest-neighbours classifier votes with.
const NEIGHBOURS: usize = 5;

/// Cross-validated accuracy of the better of two simple classifiers, with a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub accuracy: f64,
    /// Wilson score interval (95%) of `accuracy` over the clips scored.
    pub low: f64,
    pub high: f64,
    pub nearest_neighbours: f64,
    pub logistic_regression: f64,
}

/// Scores how well `rows` (one feature vector per clip) predict `classes` (0..class_count).
pub fn score(rows: &[Vec<f64>], classes: &[usize], class_count: usize) -> Score {
    let rows = standardized(rows);
    let (nearest_neighbours, logistic_regression) = fold_accuracies(&rows, classes, class_count);
    let accuracy = nearest_neighbours.max(logistic_regression);
    let (low, high) = wilson(accuracy, rows.len() as f64);
    Score { accuracy, low, high, nearest_neighbours, logistic_regression }
}

/// Each feature scaled to zero mean and unit variance; constant features dropped.
fn standardized(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = rows.len().max(1) as f64;
    let dims = rows.first().map_or(0, Vec::len);
    let kept: Vec<(usize, f64, f64)> = (0..dims)
        .filter_map(|d| {
            let mean = rows.iter().map(|r| r[d]).sum::<f64>() / n;
            let spread = (rows.iter().map(|r| (r[d] - mean).powi(2)).sum::<f64>() / n).sqrt();
            (spread > 1e-9).then_some((d, mean, spread))
        })
        .collect();
    rows.iter().map(|r| kept.iter().map(|&(d, mean, spread)| (r[d] - mean) / spread).collect()).collect()
}

/// Stratified `FOLDS`-fold cross-validated accuracy of nearest neighbours and of logistic
/// regression.
fn fold_accuracies(rows: &[Vec<f64>], classes: &[usize], class_count: usize) -> (f64, f64) {
    // Each class's clips are dealt round the folds in order, so every fold holds every class.
    let mut seen = vec![0usize; class_count];
    let fold: Vec<usize> = classes
        .iter()
        .map(|&c| {
            seen[c] += 1;
            (seen[c] - 1) % FOLDS
        })
        .collect();
    let (mut knn_right, mut logistic_right) = (0usize, 0usize);
    for k in 0..FOLDS {
        let train: Vec<usize> = (0..rows.len()).filter(|&i| fold[i] != k).collect();
        let model = Logistic::fit(rows, classes, &train, class_count);
        for i in (0..rows.len()).filter(|&i| fold[i] == k) {
            knn_right += usize::from(nearest_neighbours(rows, classes, &train, &rows[i], class_count) == classes[i]);
            logistic_right += usize::from(model.predict(&rows[i]) == classes[i]);
        }
    }
    let n = rows.len().max(1) as f64;
    (knn_right as f64 / n, logistic_right as f64 / n)
}

/// The majority class of the `NEIGHBOURS` training rows nearest to `query`; ties go to the class
/// of the nearest row among the tied.
fn nearest_neighbours(
    rows: &[Vec<f64>],
    classes: &[usize],
    train: &[usize],
    query: &[f64],
    class_count: usize,
) -> usize {
    let mut by_distance: Vec<(f64, usize)> =
        train.iter().map(|&i| (rows[i].iter().zip(query).map(|(a, b)| (a - b).powi(2)).sum::<f64>(), i)).collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let nearest = &by_distance[..NEIGHBOURS.min(by_distance.len())];
    let mut votes = vec![0usize; class_count];
    for &(_, i) in nearest {
        votes[classes[i]] += 1;
    }
    let most = votes.iter().copied().max().unwrap_or(0);
    nearest.iter().map(|&(_, i)| classes[i]).find(|&c| votes[c] == most).unwrap_or(0)
}

/// Multinomial logistic regression with a little L2 regularization, fitted by gradient descent.
struct Logistic {
    /// Per class: a weight per feature, then the bias.
    weights: Vec<Vec<f64>>,
}

impl Logistic {
    const STEPS: usize = 200;
    const RATE: f64 = 0.5;
    const L2: f64 = 1e-3;

    fn fit(rows: &[Vec<f64>], classes: &[usize], train: &[usize], class_count: usize) -> Logistic {
        let dims = rows.first().map_or(0, Vec::len);
        let mut model = Logistic { weights: vec![vec![0.0; dims + 1]; class_count] };
        let n = train.len().max(1) as f64;
        for _ in 0..Self::STEPS {
            let mut gradient = vec![vec![0.0; dims + 1]; class_count];
            for &i in train {
                let p = model.probabilities(&rows[i]);
                for (c, class_gradient) in gradient.iter_mut().enumerate() {
                    let error = p[c] - f64::from(u8::from(classes[i] == c));
                    for (g, x) in class_gradient.iter_mut().zip(&rows[i]) {
                        *g += error * x;
                    }
                    class_gradient[dims] += error;
                }
            }
            for (weights, class_gradient) in model.weights.iter_mut().zip(&gradient) {
                for d in 0..=dims {
                    let decay = if d < dims { Self::L2 * weights[d] } else { 0.0 };
                    weights[d] -= Self::RATE * (class_gradient[d] / n + decay);
                }
            }
        }
        model
    }

    fn probabilities(&self, row: &[f64]) -> Vec<f64> {
        let scores: Vec<f64> = self
            .weights
            .iter()
            .map(|w| w[..row.len()].iter().zip(row).map(|(a, b)| a * b).sum::<f64>() + w[row.len()])
            .collect();
        let top = scores.iter().copied().fold(f64::MIN, f64::max);
        let exp: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    }

    fn predict(&self, row: &[f64]) -> usize {
        let p = self.probabilities(row);
        (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a))).unwrap_or(0)
    }
}

/// The Wilson score interval (95%) for a proportion `p` observed over `n` trials.
pub fn wilson(p: f64, n: f64) -> (f64, f64) {
    let z = 1.96f64;
    let n = n.max(1.0);
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// `n` clips of two classes: three noise features, and a fourth shifted by `shift` for class 1.
    fn two_classes(n: usize, shift: f64) -> (Vec<Vec<f64>>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let classes: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let rows = classes
            .iter()
            .map(|&c| {
                let mut row: Vec<f64> = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
                row.push(rng.random_range(-1.0..1.0) + shift * c as f64);
                row
            })
            .collect();
        (rows, classes)
    }

    #[test]
    fn a_feature_that_names_the_class_is_found_and_noise_alone_is_not() {
        let (rows, classes) = two_classes(200, 3.0);
        let separable = score(&rows, &classes, 2);
        assert!(separable.accuracy > 0.95 && separable.low > 0.9, "{separable:?}");
        let (rows, classes) = two_classes(200, 0.0);
        let noise = score(&rows, &classes, 2);
        // Chance is 50%; noise stays within sampling error of it (the audit's --max-leak margin).
        assert!(noise.low < 0.6 && noise.accuracy < 0.65, "noise is not separable: {noise:?}");
    }

    #[test]
    fn wilson_intervals_hold_the_estimate_and_narrow_with_more_clips() {
        let (low, high) = wilson(0.8, 50.0);
        assert!(low < 0.8 && 0.8 < high);
        let (low_more, high_more) = wilson(0.8, 500.0);
        assert!(high_more - low_more < high - low);
        assert!(wilson(1.0, 100.0).1 > 0.999);
    }
}
