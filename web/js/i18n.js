// Vietnamese (default) and English strings. Every label in the UI comes from here.
const STRINGS = {
  vi: {
    'app.title': 'Bản đồ tình hình ma túy cấp xã',
    'login.title': 'Đăng nhập', 'login.token': 'Mã truy cập (token)', 'login.submit': 'Đăng nhập',
    'login.hint': 'Quản trị viên cấp mã bằng lệnh commune-atlas users add|token. Dữ liệu cấp xã là thông tin nhạy cảm.',
    'login.failed': 'Mã không hợp lệ (sai, đã thu hồi hoặc tài khoản bị khóa).',
    'user.signOut': 'Đăng xuất', 'user.allProvinces': 'mọi tỉnh', 'user.demoMode': 'Chế độ minh họa — không cần đăng nhập',
    'role.viewer': 'xem', 'role.leader': 'lãnh đạo', 'role.analyst': 'phân tích', 'role.admin': 'quản trị',
    'app.demo': 'Dữ liệu minh họa tổng hợp — không phải số liệu thật',
    'app.print': 'In bản đồ',
    'app.note': 'Phân loại theo QĐ 28/2025/QĐ-TTg (từ kỳ 2025); thiếu số liệu thì tiêu chí “chưa xác định”, không bao giờ coi là không đạt. “Không ma túy” là kết quả đã được UBND tỉnh công nhận.',
    'view.status': 'Trạng thái', 'view.conversion': 'Chuyển hóa', 'view.indicator': 'Chỉ số', 'view.dashboard': 'Tiến độ tỉnh',
    'search.placeholder': 'Tìm xã, phường, tỉnh…', 'search.none': 'Không tìm thấy',
    'ctl.year': 'Năm', 'ctl.from': 'So với năm', 'ctl.metric': 'Chỉ số', 'ctl.method': 'Phân lớp',
    'method.quantile': 'Phân vị', 'method.jenks': 'Ngắt tự nhiên (Jenks)', 'method.equal': 'Khoảng đều', 'method.custom': 'Tùy chỉnh',
    'legend.status': 'Trạng thái, {year}', 'legend.conversion': 'Chuyển hóa {from} → {to}', 'legend.indicator': '{metric}, năm {year}',
    'legend.version': 'Ranh giới: {version}', 'legend.total': 'Tổng số xã', 'legend.analytical': 'Định nghĩa phân tích, không phải phân loại pháp lý.',
    'panel.province': 'Tỉnh', 'panel.type': 'Loại', 'panel.code': 'Mã', 'panel.status': 'Trạng thái', 'panel.keytype': 'Loại trọng điểm (tính toán)',
    'panel.possible': 'Khả năng', 'panel.ruleset': 'Bộ tiêu chí', 'panel.criteria': 'Tiêu chí', 'panel.indicators': 'Chỉ số năm {year}',
    'panel.history': 'Diễn biến qua các năm', 'panel.apportioned': 'ước tính phân bổ qua bảng chuyển đổi', 'panel.rebuilt': 'cộng từ các xã trước sắp xếp',
    'panel.met': 'đạt', 'panel.notmet': 'không đạt', 'panel.unknown': 'chưa xác định', 'panel.unconfirmed': 'ngưỡng chưa xác nhận',
    'panel.official': 'Loại do cơ quan có thẩm quyền báo cáo', 'panel.review': 'Cần rà soát', 'panel.legacy': 'nhãn cũ (trước QĐ 28/2025)',
    'panel.predecessors': 'Xã trước sắp xếp', 'panel.successors': 'Xã sau sắp xếp', 'panel.close': 'Đóng',
    'dash.report': 'Tải báo cáo tỉnh (PDF)', 'dash.map': 'Bản đồ trạng thái (PNG 300 dpi)',
    'dash.title': 'Tiến độ xây dựng xã không ma túy', 'dash.share': 'Tỷ lệ xã không ma túy (%)', 'dash.target': 'Mục tiêu (≥ 50 % năm 2030)',
    'dash.counts': 'Số xã theo trạng thái, {year}', 'dash.quota': 'Chỉ tiêu năm {year}: {recognised}/{assigned} xã được giao đã được công nhận (đăng ký {quota})',
    'dash.movers': 'Thay đổi lớn nhất {from} → {to}', 'dash.province': 'Tỉnh', 'dash.ontrack': 'đạt tiến độ', 'dash.behind': 'chậm tiến độ',
    'view.plans': 'Kế hoạch', 'view.sql': 'SQL', 'lang': 'vi',
    'sql.title': 'Truy vấn SQL (chỉ đọc)', 'sql.saved': 'Truy vấn đã lưu…', 'sql.run': 'Chạy', 'sql.map': 'Hiện trên bản đồ', 'sql.schema': 'Các bảng có thể truy vấn',
    'sql.rows': '{n} dòng, {ms} ms', 'sql.truncated': 'đã cắt bớt', 'sql.position': 'vị trí', 'sql.shown': '{n} xã trên bản đồ',
    'plan.title': 'Kế hoạch chuyển hóa', 'plan.plan': 'Kế hoạch', 'plan.new': 'Tạo mới', 'plan.none': 'Chọn hoặc tạo một kế hoạch; bấm vào xã trên bản đồ hoặc trong bảng để thêm.',
    'plan.candidates': 'Xã đề xuất chuyển hóa năm {year}', 'plan.candidates.note': 'Xếp hạng hỗ trợ (đề xuất), không phải tiêu chí pháp lý: khoảng cách tới ngưỡng loại I, xu hướng, xã giáp ranh đã không ma túy, dân số.',
    'plan.name.prompt': 'Tên kế hoạch', 'plan.default.name': 'Kế hoạch chuyển hóa', 'plan.quota.prompt': 'Chỉ tiêu (số xã)',
    'plan.count': '{n} / {quota} xã theo chỉ tiêu', 'plan.converted': 'đã được công nhận', 'plan.note': 'ghi chú', 'plan.remove': 'Bỏ khỏi kế hoạch',
    'plan.csv': 'Tải CSV', 'plan.print': 'In kế hoạch (PDF)', 'plan.commune': 'Xã',
    'plan.status.draft': 'dự thảo', 'plan.status.submitted': 'đã trình', 'plan.status.approved': 'đã duyệt', 'plan.status.closed': 'đã đóng',
    'plan.to.submitted': 'Trình duyệt', 'plan.to.draft': 'Trả về dự thảo', 'plan.to.approved': 'Phê duyệt', 'plan.to.closed': 'Đóng',
    'cand.score': 'Điểm', 'cand.rate_gap': 'Tỷ lệ', 'cand.locations': 'Điểm SD', 'cand.arrest_gap': 'Bắt giữ', 'cand.trend': 'Xu hướng', 'cand.neighbours': 'Giáp ranh',
    'cand.score.long': 'Điểm tổng hợp (0–100)', 'cand.rate_gap.long': 'Tỷ lệ nghiện + sử dụng so với ngưỡng (a)', 'cand.locations.long': 'Điểm tổ chức sử dụng so với ngưỡng (b)',
    'cand.arrest_gap.long': 'Tỷ lệ bị bắt so với ngưỡng (c)', 'cand.trend.long': 'Xu hướng 3 năm', 'cand.neighbours.long': 'Tỷ lệ xã giáp ranh đã không ma túy',
    'chart.rate': '% nghiện + sử dụng', 'chart.arrests': '% bị bắt',
    'type.xa': 'Xã', 'type.phuong': 'Phường', 'type.thi_tran': 'Thị trấn', 'type.dac_khu': 'Đặc khu',
    'view.provinces': 'Tỉnh (Điều 5)', 'legend.provinces': 'Tỉnh là địa bàn trọng điểm (Điều 5), {period}',
    'prov.true': 'Địa bàn trọng điểm phức tạp về ma túy', 'prov.false': 'Không phải địa bàn trọng điểm', 'prov.unknown': 'Chưa xác định (thiếu số liệu)',
    'prov.criteria': 'Tiêu chí Điều 5 (cần từ {min} tiêu chí)', 'prov.met': 'Đạt {min}–{max} tiêu chí', 'prov.data': '{with}/{all} xã có số liệu',
    'panel.drugfree': 'Tiêu chí địa bàn không ma túy (Điều 6)', 'panel.drugfree.true': 'đạt cả 3 tiêu chí', 'panel.drugfree.false': 'không đạt',
    'panel.drugfree.unknown': 'chưa đủ số liệu', 'panel.readings': 'Cách hiểu áp dụng', 'panel.decided': 'quyết định kết quả này',
    'panel.reading.by': 'Kết quả dựa trên:', 'panel.period': 'Kỳ đánh giá',
    'metric.addict_user_rate_pct': 'Tỷ lệ người nghiện + sử dụng có hồ sơ / dân số (%)', 'metric.arrest_rate_pct': 'Tỷ lệ người phạm tội bị bắt / dân số (%)',
    'metric.drug_use_locations': 'Điểm tổ chức, chứa chấp sử dụng ma túy', 'metric.addicts_with_records': 'Người nghiện có hồ sơ quản lý',
    'metric.drug_offenders_arrested': 'Người phạm tội về ma túy bị bắt', 'metric.resident_population': 'Dân số đang cư trú',
    'metric.plants_destroyed_area_m2': 'Diện tích cây có chứa chất ma túy bị triệt phá (m²)', 'metric.methadone_patients': 'Người điều trị Methadone',
  },
  en: {
    'app.title': 'Commune drug-situation atlas',
    'login.title': 'Sign in', 'login.token': 'Access token', 'login.submit': 'Sign in',
    'login.hint': 'An admin issues tokens with commune-atlas users add|token. Commune figures are sensitive.',
    'login.failed': 'The token is not valid (wrong, revoked, or the account is disabled).',
    'user.signOut': 'Sign out', 'user.allProvinces': 'all provinces', 'user.demoMode': 'Demo mode — no sign-in',
    'role.viewer': 'viewer', 'role.leader': 'leader', 'role.analyst': 'analyst', 'role.admin': 'admin',
    'app.demo': 'Synthetic demo data — not real figures',
    'app.print': 'Print map',
    'app.note': 'Classified under Decision 28/2025/QĐ-TTg (from the 2025 period); a missing figure leaves a criterion “undetermined”, never unmet. “Drug-free” is what the provincial People’s Committee approved.',
    'view.status': 'Status', 'view.conversion': 'Conversion', 'view.indicator': 'Indicators', 'view.dashboard': 'Province progress',
    'search.placeholder': 'Find a commune, ward, province…', 'search.none': 'No match',
    'ctl.year': 'Year', 'ctl.from': 'Compared with', 'ctl.metric': 'Indicator', 'ctl.method': 'Classes',
    'method.quantile': 'Quantiles', 'method.jenks': 'Natural breaks (Jenks)', 'method.equal': 'Equal intervals', 'method.custom': 'Custom',
    'legend.status': 'Status, {year}', 'legend.conversion': 'Conversion {from} → {to}', 'legend.indicator': '{metric}, {year}',
    'legend.version': 'Boundaries: {version}', 'legend.total': 'Communes', 'legend.analytical': 'Analytical definitions, not legal categories.',
    'panel.province': 'Province', 'panel.type': 'Type', 'panel.code': 'Code', 'panel.status': 'Status', 'panel.keytype': 'Key type (computed)',
    'panel.possible': 'Possible', 'panel.ruleset': 'Rule set', 'panel.criteria': 'Criteria', 'panel.indicators': 'Indicators {year}',
    'panel.history': 'History', 'panel.apportioned': 'apportioned estimate through the crosswalk', 'panel.rebuilt': 'summed from pre-reform communes',
    'panel.met': 'met', 'panel.notmet': 'not met', 'panel.unknown': 'unknown', 'panel.unconfirmed': 'threshold not confirmed',
    'panel.official': 'Key type reported by the authorities', 'panel.review': 'Needs review', 'panel.legacy': 'older label (before Decision 28/2025)',
    'panel.predecessors': 'Pre-reform communes', 'panel.successors': 'Post-reform communes', 'panel.close': 'Close',
    'dash.report': 'Download the province report (PDF)', 'dash.map': 'Status map (PNG 300 dpi)',
    'dash.title': 'Progress toward drug-free communes', 'dash.share': 'Drug-free communes (%)', 'dash.target': 'Target (≥ 50 % by 2030)',
    'dash.counts': 'Communes by status, {year}', 'dash.quota': 'Quota {year}: {recognised}/{assigned} assigned communes recognised (registered {quota})',
    'dash.movers': 'Biggest movers {from} → {to}', 'dash.province': 'Province', 'dash.ontrack': 'on track', 'dash.behind': 'behind',
    'view.plans': 'Plans', 'view.sql': 'SQL', 'lang': 'en',
    'sql.title': 'SQL (read-only)', 'sql.saved': 'Saved queries…', 'sql.run': 'Run', 'sql.map': 'Show on map', 'sql.schema': 'Relations you can query',
    'sql.rows': '{n} rows, {ms} ms', 'sql.truncated': 'truncated', 'sql.position': 'position', 'sql.shown': '{n} communes on the map',
    'plan.title': 'Conversion plan', 'plan.plan': 'Plan', 'plan.new': 'New', 'plan.none': 'Choose or create a plan; click communes on the map or in the table to add them.',
    'plan.candidates': 'Candidates for conversion in {year}', 'plan.candidates.note': 'A ranking aid (proposal), not a legal criterion: distance to the type I thresholds, trend, drug-free neighbours, population.',
    'plan.name.prompt': 'Plan name', 'plan.default.name': 'Conversion plan', 'plan.quota.prompt': 'Quota (communes)',
    'plan.count': '{n} / {quota} communes of the quota', 'plan.converted': 'recognised', 'plan.note': 'note', 'plan.remove': 'Remove from the plan',
    'plan.csv': 'Download CSV', 'plan.print': 'Print plan (PDF)', 'plan.commune': 'Commune',
    'plan.status.draft': 'draft', 'plan.status.submitted': 'submitted', 'plan.status.approved': 'approved', 'plan.status.closed': 'closed',
    'plan.to.submitted': 'Submit', 'plan.to.draft': 'Return to draft', 'plan.to.approved': 'Approve', 'plan.to.closed': 'Close',
    'cand.score': 'Score', 'cand.rate_gap': 'Rate', 'cand.locations': 'Locations', 'cand.arrest_gap': 'Arrests', 'cand.trend': 'Trend', 'cand.neighbours': 'Neighbours',
    'cand.score.long': 'Overall score (0–100)', 'cand.rate_gap.long': 'Addict + user rate vs threshold (a)', 'cand.locations.long': 'Drug-use locations vs threshold (b)',
    'cand.arrest_gap.long': 'Arrest rate vs threshold (c)', 'cand.trend.long': '3-year trend', 'cand.neighbours.long': 'Share of neighbouring communes drug-free',
    'chart.rate': '% addicts + users', 'chart.arrests': '% arrested',
    'type.xa': 'Commune (xã)', 'type.phuong': 'Ward (phường)', 'type.thi_tran': 'Township (thị trấn)', 'type.dac_khu': 'Special zone (đặc khu)',
    'view.provinces': 'Provinces (Art. 5)', 'legend.provinces': 'Provinces that are key areas (Art. 5), {period}',
    'prov.true': 'Key complex drug area', 'prov.false': 'Not a key area', 'prov.unknown': 'Undetermined (inputs missing)',
    'prov.criteria': 'Art. 5 criteria ({min} or more needed)', 'prov.met': '{min}–{max} criteria met', 'prov.data': '{with}/{all} communes with figures',
    'panel.drugfree': 'Drug-free area criteria (Art. 6)', 'panel.drugfree.true': 'all 3 met', 'panel.drugfree.false': 'not met',
    'panel.drugfree.unknown': 'inputs missing', 'panel.readings': 'Readings applied', 'panel.decided': 'decided this result',
    'panel.reading.by': 'Decided by the reading:', 'panel.period': 'Assessment period',
    'metric.addict_user_rate_pct': 'Addicts + users with records / population (%)', 'metric.arrest_rate_pct': 'Drug offenders arrested / population (%)',
    'metric.drug_use_locations': 'Locations organising drug use', 'metric.addicts_with_records': 'Addicts with records',
    'metric.drug_offenders_arrested': 'Drug offenders arrested', 'metric.resident_population': 'Resident population',
    'metric.plants_destroyed_area_m2': 'Drug plants destroyed (m²)', 'metric.methadone_patients': 'Methadone patients',
  },
};

let lang = 'vi';

export function setLang(l) { lang = STRINGS[l] ? l : 'vi'; document.documentElement.lang = lang; }
export function getLang() { return lang; }

/** Translate `key`, filling `{name}` placeholders from `vars`. */
export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? `{${k}}`));
}

/** Apply translations to every element with data-i18n / data-i18n-placeholder. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Pick the label of a legend/API object in the current language. */
export function label(obj) { return lang === 'en' ? (obj.label_en ?? obj.label_vi) : (obj.label_vi ?? obj.label_en); }

/** Accent-insensitive key: "Hai Bà Trưng" → "hai ba trung". */
export function fold(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

export function num(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return Number(x).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits });
}
