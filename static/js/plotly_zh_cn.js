/* Chinese (zh-CN) texts for plotly.js's tool bar and dates, registered with the plotly.js the
   portal serves from static/ (plotly ships no locale files in the Python package). Charts ask for
   it with config.locale = "zh-CN" when the page is Chinese. */
(function () {
  if (!window.Plotly || !window.Plotly.register) { return; }
  window.Plotly.register({
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {
      "Autoscale": "自动缩放",
      "Box Select": "矩形选择",
      "Click to enter Colorscale title": "点击输入色阶标题",
      "Click to enter Component A title": "点击输入组件A标题",
      "Click to enter X axis title": "点击输入X轴标题",
      "Click to enter Y axis title": "点击输入Y轴标题",
      "Compare data on hover": "悬停时比较数据",
      "Double-click on legend to isolate one trace": "双击图例以单独显示一条曲线",
      "Double-click to zoom back out": "双击还原缩放",
      "Download plot": "下载图片",
      "Download plot as a png": "下载为 PNG 图片",
      "Lasso Select": "套索选择",
      "Orbital rotation": "轨道旋转",
      "Pan": "平移",
      "Produced with Plotly.js": "由 Plotly.js 生成",
      "Reset": "重置",
      "Reset axes": "重置坐标轴",
      "Reset view": "重置视图",
      "Show closest data on hover": "悬停时显示最近的数据",
      "Snapshot succeeded": "图片已生成",
      "Sorry, there was a problem downloading your snapshot!": "抱歉，下载图片时出错！",
      "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
      "Toggle Spike Lines": "切换辅助线",
      "Zoom": "缩放",
      "Zoom in": "放大",
      "Zoom out": "缩小",
      "trace": "曲线"
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      date: "%Y-%m-%d"
    }
  });
})();
